#!/bin/bash
# Runs a shell command in the booted test dom0 and relays its output. Adapted from the Xen lab's dom0-run.sh.
#
# usage: test/xen/dom0-run.sh [-t SECONDS] [-o OUTFILE -e ERRFILE] 'CMD'
#   -t SECONDS   kill the command after this long in dom0 (default 600)
#   -o/-e FILE   write dom0 stdout/stderr to files instead of our stdout/stderr
# Exit status: the command's in dom0 (124 = killed by the timeout, 255 = the agent never answered).
# How: CMD goes to jobs/<id>.sh in the 9p share; the agent in dom0 runs it as root with bash and leaves
# results/<id>.{out,err,rc} (rc last, atomically).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

TIMEOUT=600 OUTF="" ERRF=""
while getopts "t:o:e:" o; do
    case $o in t) TIMEOUT=$OPTARG ;; o) OUTF=$OPTARG ;; e) ERRF=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-t S] [-o F -e F] 'CMD'" >&2; exit 2; }
[ -e "$SHARE/results/agent-ready" ] || { echo "dom0 agent not ready (test/xen/boot.sh)" >&2; exit 255; }

id="$(date +%s%N)-$$"
printf '#timeout=%s\n%s\n' "$TIMEOUT" "$*" > "$SHARE/jobs/$id.tmp"
mv "$SHARE/jobs/$id.tmp" "$SHARE/jobs/$id.sh"

deadline=$(( $(date +%s) + TIMEOUT + 60 ))
while [ ! -e "$SHARE/results/$id.rc" ]; do
    if [ -e "$RUNDIR/qemu.pid" ] && ! kill -0 "$(cat "$RUNDIR/qemu.pid")" 2>/dev/null; then
        echo "dom0-run: the VM is gone (job $id)" >&2
        exit 255
    fi
    if (( $(date +%s) > deadline )); then
        echo "dom0-run: no answer from the dom0 agent for job $id" >&2
        exit 255
    fi
    sleep 0.1
done
rc=$(cat "$SHARE/results/$id.rc")
if [ -n "$OUTF" ]; then cp "$SHARE/results/$id.out" "$OUTF"; else cat "$SHARE/results/$id.out"; fi
if [ -n "$ERRF" ]; then cp "$SHARE/results/$id.err" "$ERRF"; else cat "$SHARE/results/$id.err" >&2; fi
rm -f "$SHARE/results/$id".{out,err,rc}
exit "$rc"
