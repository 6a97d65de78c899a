#!/bin/bash
# Shuts the test VM down: poweroff through the dom0 agent, then ACPI powerdown through the QEMU monitor,
# then SIGTERM/SIGKILL to QEMU's own PID (from its pid file). The disk is a snapshot: killing loses nothing.
# usage: test/xen/halt.sh [--kill]   --kill skips the clean steps (e.g. when dom0's shutdown would hang)
set -uo pipefail
source "$(dirname "$0")/lib.sh"

PIDF="$RUNDIR/qemu.pid"
[ -e "$PIDF" ] || { log "no VM running"; exit 0; }
PID=$(cat "$PIDF")
kill -0 "$PID" 2>/dev/null || { log "VM (pid $PID) already gone"; rm -f "$PIDF"; exit 0; }
wait_gone() { local i; for ((i = 0; i < $1; i++)); do kill -0 "$PID" 2>/dev/null || return 0; sleep 1; done; return 1; }

if [ "${1:-}" != "--kill" ]; then
    if [ -e "$SHARE/results/agent-ready" ]; then
        id="halt-$(date +%s%N)"
        # systemd or OpenRC/sysvinit (test/xen/openrc.sh): the OpenRC dom0 takes 80-90 s to power off.
        printf '#timeout=30\nif [ -d /run/systemd/system ]; then systemctl --no-block poweroff; else poweroff; fi\n' \
            > "$SHARE/jobs/$id.tmp"
        mv "$SHARE/jobs/$id.tmp" "$SHARE/jobs/$id.sh"
        wait_gone 180 && { log "VM powered off"; rm -f "$PIDF"; exit 0; }
    fi
    echo system_powerdown | socat - "UNIX-CONNECT:$RUNDIR/monitor.sock" >/dev/null 2>&1
    wait_gone 30 && { log "VM powered off (ACPI)"; rm -f "$PIDF"; exit 0; }
fi
log "killing QEMU pid $PID"
kill "$PID" 2>/dev/null; wait_gone 10 || kill -9 "$PID" 2>/dev/null
rm -f "$PIDF"
