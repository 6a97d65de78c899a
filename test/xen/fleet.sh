#!/bin/bash
# The `fleet` scenario of the real-Xen test (issue 15): per-domain and per-device metrics of the tiny domU
# from two scrapes of `xendoctor serve` in dom0, with xentop, xl list -l and xl vcpu-list taken between
# them, and the commands each cycle ran. Runs fleet-dom0.sh in dom0 and copies its results to DIR;
# assert-fleet.mjs (through assert.mjs) checks them. Needs the VM booted and the domU started (run.sh).
#
# usage: test/xen/fleet.sh DIR
set -uo pipefail
source "$(dirname "$0")/lib.sh"
DIR=${1:?usage: fleet.sh DIR}
mkdir -p "$DIR"
cp "$XT_DIR/fleet-dom0.sh" "$SHARE/fleet-dom0.sh"
rm -f "$SHARE/fleet.tar"
# Two cycles 30 s apart plus the first one's wait: ~1-2 min under TCG on a quiet host. On a 2-core host at
# load 22 a cycle took ~2 min (0.6 s per process in dom0) and the whole did not end in 600 s: 1200.
"$XT_DIR/dom0-run.sh" -t 1200 -o "$DIR/fleet.out" -e "$DIR/fleet.err" \
    'bash /mnt/share/fleet-dom0.sh; tar -C /tmp -cf /mnt/share/fleet.tar fleet'
rc=$?
tar -C "$DIR" --strip-components=1 -xf "$SHARE/fleet.tar" 2>>"$DIR/fleet.err" || rc=1
exit $rc
