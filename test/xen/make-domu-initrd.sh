#!/bin/bash
# Build the tiny PV domU's initramfs: static busybox + xen-netfront.ko from
# the dom0 kernel, and an /init that loads the netfront, brings eth0 up
# (no address - nothing is sent anywhere but the dom0 bridge) and idles. Adapted from the xendoctor lab (shared/lab).
#
# usage: make-domu-initrd.sh ROOTFS KERNEL_VERSION OUT.gz
set -euo pipefail
ROOTFS=$1 KVER=$2 OUT=$3
BUSYBOX=/bin/busybox                    # from the host's busybox-static
file -L "$BUSYBOX" | grep -q 'statically linked' || { echo "need busybox-static" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,sbin,proc,sys,dev,run,tmp,lib/modules}
cp "$BUSYBOX" "$tmp/bin/busybox"
for a in sh mount umount cat ls ip ifconfig insmod sleep echo dmesg poweroff halt uname hostname; do
    ln -s busybox "$tmp/bin/$a"
done
# shellcheck disable=SC2043  # a list of one: add modules here
for m in drivers/net/xen-netfront.ko; do
    src="$ROOTFS/lib/modules/$KVER/kernel/$m"
    # Debian bookworm ships uncompressed modules; handle .xz just in case.
    if [ -e "$src" ]; then cp "$src" "$tmp/lib/modules/"
    elif [ -e "$src.xz" ]; then xz -dc "$src.xz" > "$tmp/lib/modules/$(basename "$m")"
    fi
done

cat > "$tmp/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
hostname tiny
insmod /lib/modules/xen-netfront.ko 2>/dev/null
ip link set dev eth0 up 2>/dev/null
echo "tiny domU up: $(uname -r), $(cat /sys/hypervisor/type 2>/dev/null) guest"
# Stay alive; `xl shutdown tiny` sends a PV shutdown which the kernel
# handles by calling /sbin/poweroff (busybox) - see below.
while :; do sleep 3600; done
EOF
chmod 0755 "$tmp/init"
# The kernel's orderly_poweroff() runs /sbin/poweroff on `xl shutdown`.
printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' > "$tmp/sbin/poweroff"
chmod 0755 "$tmp/sbin/poweroff"

(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -9) > "$OUT"
echo "make-domu-initrd: $(du -h "$OUT" | cut -f1) -> $OUT"
