#!/bin/bash
# shellcheck disable=SC2016  # commands for dom0 are single-quoted on purpose: they expand in dom0
# `npm run test:xen:openrc`: the shipped OpenRC service on a real OpenRC dom0 (Debian 12 booted with
# Debian's openrc + sysvinit-core, Xen 4.17; test/xen/build-openrc.sh), installed the way docs/install.md
# says, enabled with `rc-update add xendoctor default` and started by the REBOOT that follows, never by hand.
#   boot 1: apt install NodeSource's nodejs (this machine's, repacked by dpkg-repack: the dom0 has no
#           network) and ./xendoctor_*_all.deb (npm run package:deb); the OpenRC script and conf.d from
#           /usr/share/xendoctor/openrc; rc-update add; clean poweroff. The disk is a qcow2 overlay on
#           $CACHE/dom0-openrc.img, so the install outlives the reboot and the base image stays pristine.
#   boot 2: the service started at boot; /metrics; the log file of the conf.d; the report (init openrc,
#           xen-daemons from OpenRC's runlevels); restart and stop clean; xenconsoled killed.
# Assertions: test/xen/assert-openrc.mjs. Results and timings: $OUT/openrc/{results,timings}.txt.
# usage: test/xen/openrc.sh      env as test/xen/run.sh (XENDOCTOR_XEN_CACHE, XENDOCTOR_XEN_OUT,
#                                XENDOCTOR_XEN_SKIP_BUILD=1)
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/suite.sh"

[ "$(id -u)" = 0 ] || die "must run as root (chroot, QEMU)"
OUT="${XENDOCTOR_XEN_OUT:-$CACHE/out}/openrc"
OR_IMAGE="$CACHE/dom0-openrc.img"
OVERLAY="$RUNDIR/dom0-openrc.qcow2"
start_suite
fail() { echo "FAIL openrc: $*" | tee -a "$RESULTS"; }
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { "$XT_DIR/halt.sh" --kill >/dev/null 2>&1 || true; rm -f "$OVERLAY"; }
# OpenRC runs Debian's LSB scripts one by one: 90-140 s to ready on a quiet machine, but over 600 s (boot.sh's
# default) with the machine at load 20 on 2 cores (the first run here: init reached after 226 s, service
# dependencies cached 3 min later). A poll for readiness, not a timing assertion.
BOOT_WAIT="${XENDOCTOR_XEN_OPENRC_WAIT:-1500}"

finish() {
    timing "total (openrc)" $(( $(date +%s) - T_START ))
    echo
    echo "== real-Xen OpenRC results ($RESULTS)"
    cat "$RESULTS"
    local pass fail
    pass=$(grep -c '^PASS' "$RESULTS"); fail=$(grep -c '^FAIL' "$RESULTS")
    echo "== openrc: $pass passed, $fail failed"
    if [ "$fail" -gt 0 ]; then
        echo "---- dom0 serial log (last 40 lines):" >&2
        tail -n 40 "$RUNDIR/serial.log" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' >&2
    fi
    [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
    exit
}

# ---- image, packages ----------------------------------------------------------------------------------
t=$(date +%s)
if [ "${XENDOCTOR_XEN_SKIP_BUILD:-}" != 1 ]; then
    "$XT_DIR/build-openrc.sh" || die "building the OpenRC dom0 image failed"
fi
[ -e "$OR_IMAGE" ] || die "no OpenRC dom0 image at $OR_IMAGE"
timing "build/reuse OpenRC dom0 image" $(( $(date +%s) - t ))

t=$(date +%s)
# Node.js 20 as docs/install.md tells a Debian 12 admin: NodeSource's `nodejs` package. The dom0 has no
# network, so this machine's installed package is rebuilt into a file (cached per version: ~1-6 min).
NODE_VER=$(dpkg-query -W -f='${Version}' nodejs 2>/dev/null) \
    || die "no nodejs package on this machine: the OpenRC test installs it into dom0 with apt"
NODE_DEBS="$CACHE/nodejs-deb"
if ! ls "$NODE_DEBS"/nodejs_"$NODE_VER"_*.deb >/dev/null 2>&1; then
    command -v dpkg-repack >/dev/null || die "dpkg-repack missing: .ci/apt-packages.txt lists it"
    log "repacking this machine's nodejs $NODE_VER (dpkg-repack)"
    rm -rf "$NODE_DEBS" && mkdir -p "$NODE_DEBS.tmp"
    # Uncompressed: xz over ~190 MB takes many minutes on a loaded machine, and dom0 unpacks it under TCG.
    (cd "$NODE_DEBS.tmp" && dpkg-repack --deb-option=-Znone nodejs > "$OUT/dpkg-repack.log" 2>&1) \
        || { tail "$OUT/dpkg-repack.log" >&2; die "dpkg-repack nodejs failed"; }
    mv "$NODE_DEBS.tmp" "$NODE_DEBS"
fi
PKGS="$SHARE/openrc"
rm -rf "$PKGS" && mkdir -p "$PKGS"
cp -l "$NODE_DEBS"/nodejs_"$NODE_VER"_*.deb "$PKGS/" 2>/dev/null || cp "$NODE_DEBS"/nodejs_"$NODE_VER"_*.deb "$PKGS/"
(cd "$REPO_DIR" && npm run package:deb --silent -- "$PKGS" > "$OUT/package-deb.log" 2>&1) \
    || { cat "$OUT/package-deb.log" >&2; die "npm run package:deb failed"; }
DEB=$(basename "$(ls "$PKGS"/xendoctor_*_all.deb)")
timing "nodejs + xendoctor packages ($DEB)" $(( $(date +%s) - t ))

# ---- boot 1: install the documented way, enable, power off ----------------------------------------------
rm -f "$OVERLAY"
qemu-img create -q -f qcow2 -F raw -b "$OR_IMAGE" "$OVERLAY" || die "qemu-img create failed"
t=$(date +%s)
"$XT_DIR/boot.sh" --disk "$OVERLAY" --wait "$BOOT_WAIT" > "$OUT/boot-install.log" 2>&1 \
    || { cat "$OUT/boot-install.log" >&2; fail "boot 1 (install): the VM did not come up"; finish; }
timing "boot 1 (install)" $(( $(date +%s) - t ))
cat "$SHARE/results/agent-ready" > "$OUT/agent-ready-1.txt"

t=$(date +%s)
# docs/install.md, "Debian or Ubuntu: the .deb" and "OpenRC": the same commands, in this order.
run0 -t 900 -o "$OUT/install.log" -e "$OUT/install.err" "set -ex
    cd /mnt/share/openrc
    apt-get install -y ./nodejs_*.deb
    apt install -y ./$DEB
    install -D -m 755 /usr/share/xendoctor/openrc/xendoctor       /etc/init.d/xendoctor
    install -D -m 644 /usr/share/xendoctor/openrc/xendoctor.confd /etc/conf.d/xendoctor
    echo 'supervisor=\"supervise-daemon\"'                 >> /etc/conf.d/xendoctor
    echo 'XENDOCTOR_LOG=\"/var/log/xendoctor-serve.log\"'  >> /etc/conf.d/xendoctor
    echo 'XENDOCTOR_OPTS=\"--interval 10\"'                >> /etc/conf.d/xendoctor
    rc-update add xendoctor default"
echo $? > "$OUT/install.rc"
# Not started by hand: what boot 2 finds started, the boot started.
run0 -o "$OUT/status-before-reboot.txt" 'rc-service xendoctor status 2>&1; echo "rc=$?"; node --version; xendoctor --version'
timing "  install (apt, install -D, rc-update)" $(( $(date +%s) - t ))

t=$(date +%s)
# A clean poweroff (80-90 s quiet, minutes under load: waited for as long as a boot), halt.sh if it hangs.
QPID=$(cat "$RUNDIR/qemu.pid")
run0 -t 30 'sync; poweroff' > "$OUT/halt-1.log" 2>&1
for ((i = 0; i < BOOT_WAIT; i++)); do kill -0 "$QPID" 2>/dev/null || break; sleep 1; done
if kill -0 "$QPID" 2>/dev/null; then
    echo "still running after ${BOOT_WAIT}s" >> "$OUT/halt-1.log"
    "$XT_DIR/halt.sh" >> "$OUT/halt-1.log" 2>&1
    cat "$OUT/halt-1.log"
else
    rm -f "$RUNDIR/qemu.pid"
    echo clean
fi > "$OUT/poweroff-1.txt"
timing "  poweroff" $(( $(date +%s) - t ))

# ---- boot 2: started at boot? ----------------------------------------------------------------------------
t=$(date +%s)
"$XT_DIR/boot.sh" --disk "$OVERLAY" --wait "$BOOT_WAIT" > "$OUT/boot-2.log" 2>&1 \
    || { cat "$OUT/boot-2.log" >&2; fail "boot 2 (reboot): the VM did not come up"; finish; }
timing "boot 2 (after rc-update add)" $(( $(date +%s) - t ))
cat "$SHARE/results/agent-ready" > "$OUT/agent-ready-2.txt"

t=$(date +%s)
# Before anything else runs: OpenRC's state, and when (dom0 uptime) the daemon process started.
run0 -o "$OUT/boot-state.txt" -e "$OUT/boot-state.err" '
    echo "started_link=$([ -e /run/openrc/started/xendoctor ] && echo yes || echo no)"
    echo "pidfile=$(cat /run/xendoctor.pid 2>/dev/null)"
    child=$(cat /run/openrc/options/xendoctor/child_pid 2>/dev/null)
    echo "child_pid=$child"
    if [ -n "$child" ] && [ -e "/proc/$child/stat" ]; then
        echo "child_cmd=$(tr "\0" " " < "/proc/$child/cmdline")"
        # field 22 of /proc/PID/stat (after the comm in parentheses): start time in clock ticks since boot
        echo "child_start_uptime=$(sed "s/.*) //" "/proc/$child/stat" | awk -v hz="$(getconf CLK_TCK)" "{ printf \"%.1f\", \$20 / hz }")"
    fi
    echo "supervisor_cmd=$(tr "\0" " " < "/proc/$(cat /run/xendoctor.pid 2>/dev/null)/cmdline" 2>/dev/null)"'
run0 -o "$OUT/rc-status.txt" 'rc-status default'
run0 -o "$OUT/rc-update-show.txt" 'rc-update show default'
run0 -o "$OUT/status.txt" 'rc-service xendoctor status 2>&1; echo "rc=$?"'

# /metrics, once the first scheduled run has filled it
run0 -t 300 -o "$OUT/metrics.txt" -e "$OUT/curl.err" '
    for i in $(seq 240); do
        out=$(curl -fsS http://127.0.0.1:19936/metrics 2>/tmp/curl.err)
        printf "%s\n" "$out" | grep -q "^xendoctor_check_status" && break
        sleep 1
    done
    printf "%s\n" "$out"; cat /tmp/curl.err >&2; true'
run0 -o "$OUT/logs.txt" '
    for f in /var/log/xendoctor-serve.log /var/log/xendoctor.log; do
        if [ -e "$f" ]; then echo "== $f $(wc -l < "$f") lines"; head -n 5 "$f"; else echo "== $f absent"; fi
    done'
timing "  boot state, /metrics, log" $(( $(date +%s) - t ))

# the report, as an admin runs it (from a job: no RC_SVCNAME in its environment)
t=$(date +%s)
run0 -t 300 -o "$OUT/report.json" -e "$OUT/report.err" 'xendoctor --json --timeout 30'
echo $? > "$OUT/report.rc"
timing "  report" $(( $(date +%s) - t ))

# restart: a new daemon, the old one gone, serving again
t=$(date +%s)
run0 -t 300 -o "$OUT/restart.txt" -e "$OUT/restart.err" '
    old=$(cat /run/openrc/options/xendoctor/child_pid)
    rc-service xendoctor restart; echo "restart_rc=$?"
    new=$(cat /run/openrc/options/xendoctor/child_pid 2>/dev/null)
    echo "old_child=$old new_child=$new"
    echo "old_alive=$(kill -0 "$old" 2>/dev/null && echo yes || echo no)"
    rc-service xendoctor status; echo "status_rc=$?"
    for i in $(seq 240); do
        curl -fsS http://127.0.0.1:19936/metrics 2>/dev/null | grep -q "^xendoctor_check_status" && { echo "serving_again=yes"; break; }
        sleep 1
    done'
timing "  restart" $(( $(date +%s) - t ))

# stop, preferably while the daemon runs a command (an xl or xen-diag child): nothing may outlive it
t=$(date +%s)
run0 -t 300 -o "$OUT/stop.txt" -e "$OUT/stop.err" '
    sup=$(cat /run/xendoctor.pid); child=$(cat /run/openrc/options/xendoctor/child_pid)
    busy=no
    for i in $(seq 600); do
        kids=$(pgrep -P "$child" | tr "\n" " ")
        [ -n "$kids" ] && { busy=yes; break; }
        sleep 0.1
    done
    echo "stopped_while_running_children=$busy ($kids)"
    rc-service xendoctor stop; echo "stop_rc=$?"
    echo "supervisor_alive=$(kill -0 "$sup" 2>/dev/null && echo yes || echo no)"
    echo "child_alive=$(kill -0 "$child" 2>/dev/null && echo yes || echo no)"
    echo "pidfile_exists=$([ -e /run/xendoctor.pid ] && echo yes || echo no)"
    echo "started_link=$([ -e /run/openrc/started/xendoctor ] && echo yes || echo no)"
    for k in $kids; do echo "former_child_$k=$(kill -0 "$k" 2>/dev/null && echo alive || echo gone)"; done
    echo "xl_procs=$(pgrep -x xl | tr "\n" " ")"
    echo "xen_diag_procs=$(pgrep -x xen-diag | tr "\n" " ")"
    echo "serve_procs=$(pgrep -f "xendoctor/cli.js serve" | tr "\n" " ")"
    rc-service xendoctor status; echo "status_rc=$?"
    ps -eo pid,ppid,comm,args > /tmp/ps.txt; cat /tmp/ps.txt >&2'
timing "  stop" $(( $(date +%s) - t ))

# xenconsoled killed: xen-daemons fails, and the remedy is OpenRC's
t=$(date +%s)
run0 -o "$OUT/kill-xenconsoled.log" 'pkill -x xenconsoled; sleep 2; pgrep -a xenconsoled && exit 1; echo "xenconsoled is gone"'
run0 -t 300 -o "$OUT/report-xenconsoled.json" -e "$OUT/report-xenconsoled.err" 'xendoctor --json --timeout 30'
echo $? > "$OUT/report-xenconsoled.rc"
timing "  xenconsoled killed + report" $(( $(date +%s) - t ))

# A capture of this real host (informational: out/openrc/capture/, for fixture hosts; never fails the run)
t=$(date +%s)
rm -f "$SHARE/capture-openrc.tar"
run0 -t 600 -o "$OUT/capture.log" -e "$OUT/capture.err" \
    'xendoctor capture --out /tmp/openrc-xenconsoled-killed && tar -C /tmp -cf /mnt/share/capture-openrc.tar openrc-xenconsoled-killed' \
    && mkdir -p "$OUT/capture" && tar -C "$OUT/capture" -xf "$SHARE/capture-openrc.tar"
timing "  capture (informational)" $(( $(date +%s) - t ))
"$XT_DIR/halt.sh" --kill >/dev/null 2>&1   # after xenconsoled died a clean poweroff is not under test

node "$XT_DIR/assert-openrc.mjs" "$OUT" | tee -a "$RESULTS"
finish
