# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts that source it
# Shared settings for the real-Xen test scripts (test/xen/*.sh). Sourced, not executed.
# Adapted from the xendoctor Xen lab (shared/lab in the development environment), which worked out how to
# boot Debian's Xen 4.17 and a bookworm dom0 under QEMU TCG; its README's pitfalls are summarised in
# test/xen/README.md.
#
# Everything big (rootfs, disk image, kernel, Xen) lives in XENDOCTOR_XEN_CACHE, outside the repository
# (default /var/cache/xendoctor-xen). Nothing there is ever committed.

XT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$XT_DIR/../.." && pwd)"
CACHE="${XENDOCTOR_XEN_CACHE:-/var/cache/xendoctor-xen}"

# The dom0's Debian suite and its Xen (test/xen/trixie.sh sets XENDOCTOR_XEN_SUITE=trixie). Another suite's
# image, boot files, share and run dir live in $CACHE/<suite>/ so that the two never mix (bookworm keeps
# the top level, where existing caches have it).
SUITE="${XENDOCTOR_XEN_SUITE:-bookworm}"
case "$SUITE" in
    bookworm) XEN_VER=4.17 ;;
    trixie) XEN_VER=4.20; CACHE="$CACHE/trixie" ;;
    *) echo "XENDOCTOR_XEN_SUITE=$SUITE: only bookworm and trixie are known" >&2; exit 2 ;;
esac

ROOTFS="$CACHE/rootfs"      # debootstrapped dom0 root filesystem
IMAGE="$CACHE/dom0.img"     # raw ext4 image made from ROOTFS
BOOTDIR="$CACHE/boot"       # kernel, initrd and Xen for QEMU's -kernel/-initrd
SHARE="$CACHE/share"        # 9p share, mounted in dom0 at /mnt/share
RUNDIR="$CACHE/run"         # pid file, serial log, monitor socket of the running VM

IMAGE_SIZE="${IMAGE_SIZE:-4G}"   # sparse raw file: only used blocks take space

log() { printf '[xen-test %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The Debian mirror this machine's apt uses for a suite (default $SUITE), read at run time so that no
# mirror host name is written into the repository. Handles deb822 (*.sources) and one-line (*.list).
discover_mirror() {
    local SUITE=${1:-$SUITE} f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        uri=$(awk -v s="$SUITE" '
            /^[[:space:]]*$/ { u=""; t="" }
            /^URIs:/   { u=$2 }
            /^Suites:/ { for (i=2;i<=NF;i++) if ($i==s) t=1 }
            u && t     { print u; exit }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        uri=$(awk -v s="$SUITE" '$1=="deb" {
                 i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                 if ($(i+1)==s) { print $i; exit } }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    return 1
}
