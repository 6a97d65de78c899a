#!/bin/bash
# Builds (or reuses) the cached dom0 image for the real-Xen tests:
#   1. host tools (qemu, debootstrap, ...) if missing
#   2. a Debian rootfs (debootstrap minbase) with its Xen, the kernel and the tools (apt in a chroot):
#      bookworm + Xen 4.17, or with XENDOCTOR_XEN_SUITE=trixie, trixie + Xen 4.20 + nodejs in $CACHE/trixie
#   3. test customisation (test/xen/dom0-files, the tiny domU) and a raw ext4 image made from the rootfs
#
# usage: test/xen/build.sh [--clean]     --clean wipes the rootfs and image first
# Needs root and the Debian mirror this machine's apt uses. Idempotent: finished steps leave a marker in
# $XENDOCTOR_XEN_CACHE; the image is remade only when test/xen's dom0 files or scripts changed.
# Node and xendoctor are NOT in the image: test/xen/run.sh copies them in through the 9p share at each boot.
# Adapted from the xendoctor Xen lab's build.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"

if [ "${1:-}" = "--clean" ]; then
    log "cleaning $ROOTFS and $IMAGE"
    for m in proc sys dev/pts dev; do umount "$ROOTFS/$m" 2>/dev/null || true; done
    rm -rf "$ROOTFS" "$IMAGE" "$BOOTDIR" "$CACHE"/.done-*
fi

mkdir -p "$CACHE" "$BOOTDIR" "$SHARE" "$RUNDIR"
T0=$(date +%s)
step_time() { log "step '$1' took $(( $(date +%s) - $2 ))s"; }

# 1. Host packages (the same list as .ci/apt-packages.txt adds).
HOST_PKGS="qemu-system-x86 qemu-utils debootstrap busybox-static cpio e2fsprogs socat"
missing=""
for p in $HOST_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    t=$(date +%s)
    log "installing host packages:$missing"
    apt-get update -qq || die "apt-get update failed (is the Debian mirror reachable?)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null \
        || die "apt-get install$missing failed"
    step_time host-packages "$t"
fi

# The mirror this machine's apt lists for $SUITE; failing that (a bookworm machine building the trixie dom0),
# the one it lists for its own suite: a Debian mirror carries every suite.
HOST_SUITE=$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")
MIRROR_SUITE=$SUITE
if ! MIRROR=$(discover_mirror); then
    MIRROR_SUITE=$HOST_SUITE
    MIRROR=$(discover_mirror "$HOST_SUITE") \
        || die "no $SUITE (or $HOST_SUITE) mirror in /etc/apt/sources*: the real-Xen test needs Debian's packages"
    log "no $SUITE in this machine's apt sources: using its $HOST_SUITE mirror $MIRROR for $SUITE"
fi

# 2a. debootstrap a minimal $SUITE; kernel and Xen come with apt in 2b (so security updates are in).
if [ ! -e "$CACHE/.done-debootstrap" ]; then
    t=$(date +%s)
    rm -rf "$ROOTFS"
    log "debootstrap $SUITE minbase into $ROOTFS"
    debootstrap --variant=minbase \
        --include=systemd-sysv,udev,dbus,kmod,procps,iproute2,ifupdown,libstdc++6 \
        "$SUITE" "$ROOTFS" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1 \
        || { tail -30 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (Debian mirror unreachable?)"; }
    touch "$CACHE/.done-debootstrap"
    step_time debootstrap "$t"
fi

chroot_mounts() {
    mount -t proc proc "$ROOTFS/proc"
    mount -t sysfs sys "$ROOTFS/sys"
    mount --bind /dev "$ROOTFS/dev"
    mount --bind /dev/pts "$ROOTFS/dev/pts"
}
chroot_umounts() {
    for m in dev/pts dev sys proc; do umount "$ROOTFS/$m" 2>/dev/null || true; done
}
trap chroot_umounts EXIT
in_chroot() { chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root "$@"; }

# 2b. Xen, kernel and tools. curl is for scraping `xendoctor serve` from dom0 itself. The marker names the
# package list, so adding a package installs it into the existing rootfs.
# trixie's dom0 also gets its own nodejs (20): the dom0 has no network, and `apt install ./xendoctor_*.deb`
# (test/xen/trixie.sh) must find `Depends: nodejs (>= 20)` satisfied offline.
DOM0_PKGS="linux-image-amd64 xen-hypervisor-$XEN_VER-amd64 xen-utils-$XEN_VER xen-utils-common
 xenstore-utils bridge-utils ethtool iproute2 procps kmod less psmisc grub2-common curl"
[ "$SUITE" = bookworm ] || DOM0_PKGS="$DOM0_PKGS nodejs"
PKG_MARK="$CACHE/.done-packages-$(echo $DOM0_PKGS | sha256sum | cut -c1-12)"
if [ ! -e "$PKG_MARK" ]; then
    t=$(date +%s)
    log "installing Xen, kernel and tools in the rootfs"
    rm -f "$ROOTFS/etc/apt/sources.list"
    {
        suites="$SUITE"
        [ "$(discover_mirror "$MIRROR_SUITE-updates" || true)" = "$MIRROR" ] && suites="$suites $SUITE-updates"
        printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$MIRROR" "$suites"
        if SEC=$(discover_mirror "$MIRROR_SUITE-security"); then
            printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
                "$SEC" "$SUITE"
        fi
    } > "$ROOTFS/etc/apt/sources.list.d/debian.sources"
    # Package scripts must not start daemons inside the chroot.
    printf '#!/bin/sh\nexit 101\n' > "$ROOTFS/usr/sbin/policy-rc.d"
    chmod +x "$ROOTFS/usr/sbin/policy-rc.d"
    chroot_mounts
    in_chroot apt-get update -qq || die "apt-get update in the chroot failed (Debian mirror unreachable?)"
    in_chroot apt-get install -y -qq --no-install-recommends $DOM0_PKGS \
        > "$CACHE/apt-dom0.log" 2>&1 || { tail -30 "$CACHE/apt-dom0.log" >&2; die "apt in the chroot failed"; }
    in_chroot apt-get clean
    chroot_umounts
    rm -f "$ROOTFS/usr/sbin/policy-rc.d"
    rm -f "$CACHE"/.done-packages-*
    touch "$PKG_MARK"
    step_time dom0-packages "$t"
fi

# 3. Customisation and image, redone only when what goes into them changed.
STAMP=$( (cd "$XT_DIR" && find dom0-files build.sh make-domu-initrd.sh -type f -print0 | sort -z \
          | xargs -0 sha256sum; basename "$PKG_MARK") | sha256sum | cut -c1-16)
if [ -e "$IMAGE" ] && [ "$(cat "$CACHE/.image-stamp" 2>/dev/null)" = "$STAMP" ] \
   && [ -e "$BOOTDIR/xen" ] && [ -e "$BOOTDIR/vmlinuz" ]; then
    log "image up to date ($IMAGE)"
    exit 0
fi

t=$(date +%s)
log "customising the rootfs"
cp -a "$XT_DIR/dom0-files/." "$ROOTFS/"
chmod 0755 "$ROOTFS"/usr/local/sbin/*
# The same host name as the lab that made test/fixtures/hosts, so fresh captures compare cleanly.
echo xenlab-dom0 > "$ROOTFS/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\txenlab-dom0\n' > "$ROOTFS/etc/hosts"
# /etc/default/grub as grub-pc's postinst would create it, plus the Xen line a Debian admin adds. GRUB does
# not boot this VM (QEMU does): the file follows boot.sh's default Xen command line, not --xen-args.
if [ -e "$ROOTFS/usr/share/grub/default/grub" ]; then
    cp "$ROOTFS/usr/share/grub/default/grub" "$ROOTFS/etc/default/grub"
    printf '\n# Xen hypervisor and dom0 settings\nGRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M"\n' \
        >> "$ROOTFS/etc/default/grub"
fi
chroot "$ROOTFS" passwd -d root >/dev/null
chroot "$ROOTFS" systemctl enable xentest-agent.service >/dev/null 2>&1
# No explicit serial getty (it would wait 90 s for a device Xen hides from dom0); systemd's generator
# starts one on the kernel console. Mask what only slows a boot without network down.
rm -f "$ROOTFS"/etc/systemd/system/getty.target.wants/serial-getty@*.service
chroot "$ROOTFS" systemctl mask systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer fstrim.timer man-db.timer >/dev/null 2>&1 || true

# Tiny PV domU: the same kernel, a busybox initramfs with xen-netfront.
KVER=$(basename "$(ls -d "$ROOTFS"/lib/modules/* | sort -V | tail -1)")
mkdir -p "$ROOTFS/var/lib/xentest"
"$XT_DIR/make-domu-initrd.sh" "$ROOTFS" "$KVER" "$ROOTFS/var/lib/xentest/tiny-initrd.gz"
cp "$ROOTFS/boot/vmlinuz-$KVER" "$ROOTFS/var/lib/xentest/vmlinuz"

# QEMU boots Xen and the kernel from outside the image. Multiboot needs Xen's uncompressed ELF, taken from
# the rootfs so that hypervisor and tools are always the same build.
cp "$ROOTFS/boot/vmlinuz-$KVER" "$BOOTDIR/vmlinuz"
cp "$ROOTFS/boot/initrd.img-$KVER" "$BOOTDIR/initrd.img"
zcat "$ROOTFS"/boot/xen-$XEN_VER-amd64.gz > "$BOOTDIR/xen"
step_time customise "$t"

t=$(date +%s)
log "making $IMAGE ($IMAGE_SIZE, ext4)"
rm -f "$IMAGE"
truncate -s "$IMAGE_SIZE" "$IMAGE"
mkfs.ext4 -q -F -L xentest-root -d "$ROOTFS" "$IMAGE"
echo "$STAMP" > "$CACHE/.image-stamp"
step_time image "$t"
log "build finished in $(( $(date +%s) - T0 ))s"
