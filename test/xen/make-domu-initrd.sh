#!/bin/bash
# Build the tiny PV domU's initramfs: static busybox + xen-netfront.ko and xen-blkfront.ko from the dom0
# kernel, and an /init that loads them, gives eth0 192.0.2.2/24 (TEST-NET-1: only dom0's xenbr0 is on that
# wire, and only while test/xen/fleet.sh gives it 192.0.2.1), pings dom0 every 2 s and, when the domU has a
# disk xvda, reads and writes it with O_DIRECT (so that blkback's counters move; without O_DIRECT the domU's
# page cache would answer the reads). Adapted from the xendoctor lab (shared/lab).
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
for a in sh mount umount cat ls ip ifconfig insmod sleep echo dmesg poweroff halt uname hostname dd ping; do
    ln -s busybox "$tmp/bin/$a"
done
for m in drivers/net/xen-netfront.ko drivers/block/xen-blkfront.ko; do
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
insmod /lib/modules/xen-blkfront.ko 2>/dev/null
# The frontends connect asynchronously: wait (30 s at most) for eth0, then for the disk if there is one.
i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
ip link set dev eth0 up 2>/dev/null
ip addr add 192.0.2.2/24 dev eth0 2>/dev/null
i=0; while [ ! -b /dev/xvda ] && [ $i -lt 10 ]; do sleep 1; i=$((i + 1)); done
# Every 2 s: a ping to dom0's 192.0.2.1 (answered only while fleet.sh gives xenbr0 that address; dom0's
# minbase has no ping of its own) and, with a disk, 256 KiB read and 64 KiB written at a moving offset
# within its first 4 MiB.
(n=0; while :; do
    ping -c 1 -W 1 192.0.2.1 > /dev/null 2>&1
    if [ -b /dev/xvda ]; then
        dd if=/dev/xvda of=/dev/null bs=4096 count=64 skip=$((n % 16 * 64)) iflag=direct 2>/dev/null
        dd if=/dev/zero of=/dev/xvda bs=4096 count=16 seek=$((n % 64 * 16)) oflag=direct 2>/dev/null
    fi
    n=$((n + 1)); sleep 2
done) &
echo "tiny domU up: $(uname -r), $(cat /sys/hypervisor/type 2>/dev/null) guest, disk: $(ls /dev/xvda 2>/dev/null || echo none)"
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
