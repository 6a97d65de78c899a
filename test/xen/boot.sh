#!/bin/bash
# Boots the test VM (Xen 4.17 + Debian dom0, or the dom0 kernel alone) in the background and waits until
# the job agent in dom0 is ready. Adapted from the xendoctor Xen lab's boot.sh.
#
# usage: test/xen/boot.sh [--no-xen] [--xen-args "ARGS"] [--mem MIB] [--smp N] [--wait SECONDS]
#   --no-xen           the same kernel, initrd and rootfs without the hypervisor (the bare-hardware case)
#   --xen-args "ARGS"  extra Xen command-line options, e.g. "sched=credit gnttab_max_frames=256"
#   --disk FILE        boot this disk instead of $IMAGE; a .qcow2 overlay keeps its writes across boots
#                      (test/xen/openrc.sh reboots a dom0 that way; its base image stays pristine)
# A raw disk is always snapshot=on: every boot starts from the pristine image, writes are discarded.
# Accelerator: TCG with -cpu qemu64,+svm (what Xen's own CI uses). KVM is not used: on build farms whose
# /dev/kvm is not hardware virtualization it cannot run Xen, and -cpu max under TCG crashes dom0.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NO_XEN=0 XEN_EXTRA="" MEM=3072 SMP=2 WAIT=600 DISK=$IMAGE
while [ $# -gt 0 ]; do
    case "$1" in
        --no-xen) NO_XEN=1 ;;
        --xen-args) XEN_EXTRA=$2; shift ;;
        --mem) MEM=$2; shift ;;
        --smp) SMP=$2; shift ;;
        --wait) WAIT=$2; shift ;;
        --disk) DISK=$2; shift ;;
        *) die "unknown option $1 (see the header of $0)" ;;
    esac
    shift
done

[ -e "$DISK" ] || die "$DISK missing: run test/xen/build.sh first"
DRIVE="file=$DISK,if=virtio,format=raw,cache=unsafe,snapshot=on"
[[ "$DISK" == *.qcow2 ]] && DRIVE="file=$DISK,if=virtio,format=qcow2,cache=unsafe"
if [ -e "$RUNDIR/qemu.pid" ] && kill -0 "$(cat "$RUNDIR/qemu.pid")" 2>/dev/null; then
    die "test VM already running (pid $(cat "$RUNDIR/qemu.pid")); test/xen/halt.sh first"
fi
mkdir -p "$RUNDIR" "$SHARE"
rm -f "$RUNDIR"/{qemu.pid,serial.log,console.sock,monitor.sock,boot.env}
# A fresh job queue: stale jobs or results from an earlier boot must not be picked up.
rm -rf "$SHARE/jobs" "$SHARE/results"
mkdir -p "$SHARE/jobs" "$SHARE/results"

XEN_CMDLINE="dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot${XEN_EXTRA:+ $XEN_EXTRA}"
if [ "$NO_XEN" = 1 ]; then
    BOOT_ARGS=(-kernel "$BOOTDIR/vmlinuz" -initrd "$BOOTDIR/initrd.img"
               -append "root=/dev/vda rw console=ttyS0")
else
    # Multiboot: Xen is the kernel; module 1 = dom0 kernel + its command line, module 2 = the initrd.
    # QEMU splits -initrd on commas, so the dom0 command line must not contain any.
    BOOT_ARGS=(-kernel "$BOOTDIR/xen" -append "$XEN_CMDLINE"
               -initrd "$BOOTDIR/vmlinuz root=/dev/vda rw console=hvc0 earlyprintk=xen,$BOOTDIR/initrd.img")
fi

T0=$(date +%s.%N)
qemu-system-x86_64 -name xendoctor-xen-test \
    -accel tcg,thread=multi -cpu qemu64,+svm -m "$MEM" -smp "$SMP" \
    -nodefaults -display none -no-reboot \
    "${BOOT_ARGS[@]}" \
    -drive "$DRIVE" \
    -virtfs "local,path=$SHARE,mount_tag=share,security_model=none,id=share" \
    -nic none \
    -chardev "socket,id=ser0,path=$RUNDIR/console.sock,server=on,wait=off,logfile=$RUNDIR/serial.log" \
    -serial chardev:ser0 \
    -monitor "unix:$RUNDIR/monitor.sock,server=on,wait=off" \
    -pidfile "$RUNDIR/qemu.pid" -daemonize
PID=$(cat "$RUNDIR/qemu.pid")
{
    echo "NO_XEN=$NO_XEN"; echo "MEM=$MEM"; echo "SMP=$SMP"
    echo "XEN_CMDLINE='$XEN_CMDLINE'"; echo "STARTED=$T0"
} > "$RUNDIR/boot.env"
log "QEMU pid $PID ($([ $NO_XEN = 1 ] && echo 'no Xen' || echo "Xen: $XEN_CMDLINE")); serial log $RUNDIR/serial.log"

while [ ! -e "$SHARE/results/agent-ready" ]; do
    if ! kill -0 "$PID" 2>/dev/null; then
        tail -40 "$RUNDIR/serial.log" >&2 || true
        die "QEMU exited before dom0 came up"
    fi
    if (( $(date +%s) - ${T0%.*} > WAIT )); then
        tail -40 "$RUNDIR/serial.log" >&2 || true
        die "dom0 not ready after ${WAIT}s (VM left running: test/xen/halt.sh)"
    fi
    sleep 1
done
BOOT_S=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "BOOT_SECONDS=$BOOT_S" >> "$RUNDIR/boot.env"
log "dom0 ready after ${BOOT_S}s (dom0 uptime $(cat "$SHARE/results/agent-ready")s)"
