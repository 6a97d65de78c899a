#!/bin/bash
# CI step for the real-Xen test (.ci/run calls it after `npm test`): xendoctor on a real Xen 4.17 dom0
# under QEMU (run.sh), then the Debian 13 / Xen 4.20 dom0 with the .deb and the shipped unit (trixie.sh).
# It never skips quietly: without root, QEMU or a Debian mirror it fails with the reason. Hard time limits
# keep the whole CI job inside its budget (see test/xen/README.md for the measured times).
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/xen/lib.sh

fail() { echo "test/xen/ci.sh: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "the real-Xen test needs root (debootstrap, chroot, QEMU); run CI as root"
for tool in qemu-system-x86_64 debootstrap mkfs.ext4 socat cpio busybox; do
    command -v "$tool" >/dev/null || fail "$tool missing: .ci/apt-packages.txt must list the test/xen packages"
done
[ -e "$IMAGE" ] || discover_mirror >/dev/null \
    || fail "no Debian $SUITE mirror in /etc/apt/sources* and no cached image at $IMAGE"

echo "== real Xen: test/xen/run.sh (cache $CACHE)"
timeout --foreground -k 30 "${XENDOCTOR_XEN_TIME_LIMIT:-2400}" test/xen/run.sh \
    || fail "real-Xen scenarios failed or timed out (results: ${XENDOCTOR_XEN_OUT:-$CACHE/out}/results.txt)"

# Debian 13 + Xen 4.20, xendoctor from the .deb and the shipped unit (test/xen/trixie.sh), with its own limit.
echo "== real Xen: test/xen/trixie.sh"
TRIXIE_OUT="${XENDOCTOR_XEN_OUT:+$XENDOCTOR_XEN_OUT/trixie}"
TRIXIE_OUT="${TRIXIE_OUT:-$CACHE/trixie/out}"
timeout --foreground -k 30 "${XENDOCTOR_XEN_TRIXIE_TIME_LIMIT:-1800}" test/xen/trixie.sh \
    || fail "the trixie / Xen 4.20 dom0 failed or timed out (results: $TRIXIE_OUT/results.txt)"

# The OpenRC dom0 (its own image and two boots): 1,329 s with the images cached, run beside trixie.sh and
# npm test (2026-11-26); 3,068 s at load 16-20. The LSB boot and poweroff under TCG are most of it.
echo "== real Xen, OpenRC dom0: test/xen/openrc.sh"
command -v dpkg-repack >/dev/null || fail "dpkg-repack missing: .ci/apt-packages.txt must list it"
timeout --foreground -k 30 "${XENDOCTOR_XEN_OPENRC_TIME_LIMIT:-2400}" test/xen/openrc.sh \
    || fail "OpenRC dom0 failed or timed out (results: ${XENDOCTOR_XEN_OUT:-$CACHE/out}/openrc/results.txt)"
