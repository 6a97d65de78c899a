#!/bin/bash
# Builds (or reuses) the OpenRC dom0 image for test/xen/openrc.sh, derived from the bookworm rootfs that
# test/xen/build.sh makes (the same Xen 4.17, kernel, tools and test files):
#   1. test/xen/build.sh (the systemd image and its rootfs; reused when cached)
#   2. a copy of that rootfs with Debian's `openrc` + `sysvinit-core` replacing systemd-sysv (apt in a
#      chroot, as ../shared/lab-captures/f-openrc-dom0 did), plus what NodeSource's nodejs package depends on
#   3. the job agent as an OpenRC service (dom0-files-openrc/), and $CACHE/dom0-openrc.img from it
# usage: test/xen/build-openrc.sh
# Needs root and the Debian mirror (first build only). Redone only when the bookworm image or these files
# changed (a stamp in $XENDOCTOR_XEN_CACHE/.openrc-stamp).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (chroot)"
"$XT_DIR/build.sh" || die "building the bookworm dom0 image failed"

OR_ROOTFS="$CACHE/rootfs-openrc"
OR_IMAGE="$CACHE/dom0-openrc.img"
# openrc + sysvinit-core: OpenRC as the rc system, sysvinit as PID 1 (systemd-sysv is removed).
# python3, ca-certificates: the Depends of NodeSource's nodejs package, which apt would fetch on a dom0
# with network; this one has none (openrc.sh installs the package from a file).
OPENRC_PKGS="openrc sysvinit-core python3 ca-certificates"
STAMP=$( (cat "$CACHE/.image-stamp"; echo "$OPENRC_PKGS"
          cd "$XT_DIR" && find dom0-files-openrc build-openrc.sh -type f -print0 | sort -z | xargs -0 sha256sum) \
        | sha256sum | cut -c1-16)
if [ -e "$OR_IMAGE" ] && [ "$(cat "$CACHE/.openrc-stamp" 2>/dev/null)" = "$STAMP" ]; then
    log "OpenRC image up to date ($OR_IMAGE)"
    exit 0
fi
T0=$(date +%s)
step_time() { log "step '$1' took $(( $(date +%s) - $2 ))s"; }

t=$(date +%s)
log "copying the bookworm rootfs to $OR_ROOTFS"
rm -rf "$OR_ROOTFS"
cp -a "$ROOTFS" "$OR_ROOTFS"
step_time openrc-copy "$t"

t=$(date +%s)
log "switching the rootfs to OpenRC ($OPENRC_PKGS)"
chroot_umounts() { for m in dev/pts dev sys proc; do umount "$OR_ROOTFS/$m" 2>/dev/null || true; done; }
trap chroot_umounts EXIT
mount -t proc proc "$OR_ROOTFS/proc"
mount -t sysfs sys "$OR_ROOTFS/sys"
mount --bind /dev "$OR_ROOTFS/dev"
mount --bind /dev/pts "$OR_ROOTFS/dev/pts"
in_chroot() { chroot "$OR_ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root "$@"; }
# Package scripts must not start daemons inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$OR_ROOTFS/usr/sbin/policy-rc.d"
chmod +x "$OR_ROOTFS/usr/sbin/policy-rc.d"
in_chroot apt-get update -qq || die "apt-get update in the chroot failed (Debian mirror unreachable?)"
# shellcheck disable=SC2086  # a word list
in_chroot apt-get install -y --no-install-recommends $OPENRC_PKGS > "$CACHE/apt-openrc.log" 2>&1 \
    || { tail -30 "$CACHE/apt-openrc.log" >&2; die "apt (openrc) in the chroot failed"; }
in_chroot apt-get clean
chroot_umounts
rm -f "$OR_ROOTFS/usr/sbin/policy-rc.d"
if [ ! -x "$OR_ROOTFS/sbin/openrc-run" ] || [ ! -e "$OR_ROOTFS/etc/inittab" ]; then
    die "openrc or sysvinit missing after apt"
fi
step_time openrc-packages "$t"

t=$(date +%s)
cp -a "$XT_DIR/dom0-files-openrc/." "$OR_ROOTFS/"
chmod 0755 "$OR_ROOTFS"/etc/init.d/xentest-agent
chroot "$OR_ROOTFS" rc-update add xentest-agent default >/dev/null
# Root autologin on the Xen console (hvc0) for console.sh, as the systemd image's serial-getty drop-in.
grep -q '^hv0:' "$OR_ROOTFS/etc/inittab" \
    || echo 'hv0:2345:respawn:/sbin/agetty --autologin root --keep-baud 115200,38400,9600 hvc0 vt100' \
        >> "$OR_ROOTFS/etc/inittab"
log "making $OR_IMAGE ($IMAGE_SIZE, ext4)"
rm -f "$OR_IMAGE"
truncate -s "$IMAGE_SIZE" "$OR_IMAGE"
mkfs.ext4 -q -F -L xentest-root -d "$OR_ROOTFS" "$OR_IMAGE"
echo "$STAMP" > "$CACHE/.openrc-stamp"
step_time openrc-image "$t"
log "OpenRC image built in $(( $(date +%s) - T0 ))s"
