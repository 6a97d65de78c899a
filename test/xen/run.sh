#!/bin/bash
# shellcheck disable=SC2016  # commands for dom0 are single-quoted on purpose: they expand in dom0
# `npm run test:xen`: xendoctor on a real Xen 4.17 + Debian bookworm dom0 booted under QEMU (TCG).
#
# Builds or reuses the cached dom0 image (test/xen/build.sh, outside the repo), copies the built xendoctor
# (dist/, self-contained, and package.json) and this machine's Node into dom0 through the 9p share, and
# asserts on `xendoctor --json` (test/xen/assert.mjs) in real situations:
#   boot 1, Xen defaults:   default (credit2), serve (curl /metrics), domu (tiny PV domU, vif1.0 on xenbr0,
#                           disk xvda), fix (fix --apply of the offload remedy), fleet (the domU's metrics
#                           against xentop: test/xen/fleet.sh), xenconsoled (xenconsoled killed)
#   boot 2, sched=credit gnttab_max_frames=256:  credit
#   boot 3, no Xen:         noxen (the same kernel on "bare hardware")
# At each step it also runs `xendoctor capture` in dom0 and compares the capture with the committed
# fixture host of the same situation (test/xen/compare-captures.mjs; informational, never fails the run).
#
# usage: test/xen/run.sh [boot ...]     boots: default credit noxen (default: all three)
# env:   XENDOCTOR_XEN_CACHE (default /var/cache/xendoctor-xen), XENDOCTOR_XEN_OUT (results; default
#        $XENDOCTOR_XEN_CACHE/out), XENDOCTOR_XEN_SKIP_BUILD=1 (use the image as it is)
# Needs root, qemu-system-x86 and the Debian mirror (for the first build). Exit 0 only when every
# assertion passed; a failure prints the dom0 serial log tail and the failing report.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/suite.sh"

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, QEMU); use sudo npm run test:xen"
OUT="${XENDOCTOR_XEN_OUT:-$CACHE/out}"
BOOTS=("$@")
[ ${#BOOTS[@]} -gt 0 ] || BOOTS=(default credit noxen)

start_suite
FAILED=()

# ---- build the image and stage xendoctor -------------------------------------------------------------
t=$(date +%s)
if [ "${XENDOCTOR_XEN_SKIP_BUILD:-}" != 1 ]; then
    "$XT_DIR/build.sh" || die "building the dom0 image failed"
fi
[ -e "$IMAGE" ] || die "no dom0 image at $IMAGE"
timing "build/reuse dom0 image" $(( $(date +%s) - t ))

t=$(date +%s)
log "building xendoctor and staging it for dom0"
(cd "$REPO_DIR" && npm run build --silent) || die "npm run build failed"
STAGE="$CACHE/stage"
rm -rf "$STAGE"
mkdir -p "$STAGE/xendoctor"
# dist/ is self-contained (scripts/bundle.mjs bundles the dependencies): no node_modules on dom0.
cp -a "$REPO_DIR/dist" "$REPO_DIR/package.json" "$STAGE/xendoctor/"
tar -C "$STAGE" -czf "$SHARE/xendoctor.tgz" xendoctor
install -m 0755 "$(readlink -f "$(command -v node)")" "$SHARE/node"
cp "$XT_DIR/dom0-provision.sh" "$SHARE/dom0-provision.sh"
timing "build and stage xendoctor ($(du -sh "$SHARE/xendoctor.tgz" | cut -f1) tarball)" $(( $(date +%s) - t ))

# ---- helpers -----------------------------------------------------------------------------------------

# boot NAME [boot.sh options]: boot, provision xendoctor + node; on failure marks every scenario of it.
boot() {
    local name=$1 t; shift
    t=$(date +%s)
    if ! "$XT_DIR/boot.sh" "$@" > "$OUT/boot-$name.log" 2>&1; then
        cat "$OUT/boot-$name.log" >&2
        echo "FAIL boot-$name: the VM did not come up" | tee -a "$RESULTS"
        FAILED+=("boot-$name")
        return 1
    fi
    timing "boot $name ($*)" $(( $(date +%s) - t ))
    t=$(date +%s)
    if ! run0 -t 300 'bash /mnt/share/dom0-provision.sh' > "$OUT/provision-$name.log" 2>&1; then
        cat "$OUT/provision-$name.log" >&2
        echo "FAIL boot-$name: copying xendoctor and node into dom0 failed" | tee -a "$RESULTS"
        FAILED+=("boot-$name")
        return 1
    fi
    timing "  provision xendoctor + node in dom0" $(( $(date +%s) - t ))
}

# report DIR [ARGS]: `xendoctor --json` in dom0 -> DIR/report.json, its exit code and wall time.
# Commands get XD_COMMAND_TIMEOUT seconds: dom0 runs under TCG emulation, where a loaded CI machine made one
# `ethtool -k` take over the default 10 s; assert.mjs bounds a report with hung commands by this figure.
XD_COMMAND_TIMEOUT=30
export XD_COMMAND_TIMEOUT
report() {
    local dir=$1; shift
    mkdir -p "$dir"
    run0 -t 180 -o "$dir/report.json" -e "$dir/report.err" \
        "s=\$(date +%s.%N); timeout -k 5 150 xendoctor --json --timeout $XD_COMMAND_TIMEOUT $*; rc=\$?;
         awk -v a=\"\$s\" -v b=\"\$(date +%s.%N)\" 'BEGIN{printf \"%.1f\\n\", b-a}' > /tmp/xd-seconds; exit \$rc"
    echo $? > "$dir/report.rc"
    run0 -o "$dir/seconds.txt" 'cat /tmp/xd-seconds' 2>/dev/null
}

# verify SCENARIO DIR: runs the assertions; a failure shows the serial log tail and the report.
verify() {
    local scenario=$1 dir=$2
    if node "$XT_DIR/assert.mjs" "$scenario" "$dir" | tee -a "$RESULTS"; then
        return 0
    fi
    FAILED+=("$scenario")
    {
        echo "---- $scenario failed; dom0 serial log (last 40 lines):"
        tail -n 40 "$RUNDIR/serial.log" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g'
        echo "---- $scenario: xendoctor exit $(cat "$dir/report.rc" 2>/dev/null), stderr:"
        cat "$dir/report.err" 2>/dev/null
        echo "---- $scenario: the failing report ($dir/report.json):"
        cat "$dir/report.json" 2>/dev/null
        echo "---- end of $scenario"
    } >&2
}

# capture NAME FIXTURE: `xendoctor capture` in dom0, copied out, compared with test/fixtures/hosts/FIXTURE.
capture() {
    local name=$1 fixture=$2 t
    t=$(date +%s)
    rm -rf "$SHARE/capture-$name.tar" "$OUT/captures/$name"
    mkdir -p "$OUT/captures"
    # One tar file through 9p: creating hundreds of small files on the share costs ~1 s each under TCG.
    if run0 -t 300 -o "$OUT/capture-$name.log" -e "$OUT/capture-$name.err" \
        "xendoctor capture --out /tmp/$name && tar -C /tmp -cf /mnt/share/capture-$name.tar $name" \
        && tar -C "$OUT/captures" -xf "$SHARE/capture-$name.tar"; then
        # The verdicts at capture time are worth reading: a flaky command shows up here first.
        echo "PASS capture-$name: xendoctor capture ran in dom0 ($(( $(date +%s) - t ))s;" \
            "$(grep -m1 '^report at capture time' "$OUT/capture-$name.log"))" | tee -a "$RESULTS"
        node "$XT_DIR/compare-captures.mjs" "$OUT/captures/$name" "$REPO_DIR/test/fixtures/hosts/$fixture" \
            > "$OUT/compare-$name.txt" 2>&1 || true
    else
        echo "FAIL capture-$name: xendoctor capture failed: $(tail -c 400 "$OUT/capture-$name.err")" | tee -a "$RESULTS"
        FAILED+=("capture-$name")
    fi
}

# Starts the tiny PV domU and waits until its vif and vbd backends are connected (xenstore state 4).
# Its disk xvda is a 16 MiB file on a loop device (phy:, served by blkback: dom0 has no QEMU for file:),
# given on xl's command line so that tiny.cfg still starts where no loop device was set up. The hotplug
# scripts are dom0-files' xentest-block and xentest-vif: Debian's block and vif-bridge run hundreds and
# dozens of processes, ~0.6 s each in dom0 on a loaded CI machine, and outlasted libxl's fixed 40 s timeout.
start_domu() {
    run0 -t 180 '
        img=/var/lib/xentest/tiny-disk.img
        modprobe xen-blkback && modprobe loop || exit 1
        [ -e $img ] || truncate -s 16M $img || exit 1
        loop=$(losetup -j $img | cut -d: -f1)
        [ -n "$loop" ] || loop=$(losetup -f --show $img) || exit 1
        xl create /etc/xen/tiny.cfg "disk=[\"format=raw,vdev=xvda,access=rw,script=xentest-block,target=$loop\"]" \
            "vif=[\"bridge=xenbr0,script=xentest-vif\"]" || exit 1
        id=$(xl domid tiny)
        for i in $(seq 90); do
            if [ "$(xenstore-read /local/domain/0/backend/vif/$id/0/state 2>/dev/null)" = 4 ] &&
               [ "$(xenstore-read /local/domain/0/backend/vbd/$id/51712/state 2>/dev/null)" = 4 ]; then
                sleep 2; xl list; exit 0
            fi
            sleep 1
        done
        echo "vif or vbd backend never connected" >&2; exit 1'
}

# ---- boot 1: Xen defaults ----------------------------------------------------------------------------
boot_default() {
    boot default || return
    local t d
    t=$(date +%s)
    # 1. default boot, dom0 only
    d="$OUT/default"; report "$d"; verify default "$d"
    capture dom0 dom0-credit2
    timing "  default + capture" $(( $(date +%s) - t )); t=$(date +%s)

    # 6. serve, scraped from dom0 itself. It serves what its first scheduled run collected: wait for that.
    d="$OUT/serve"; mkdir -p "$d"
    run0 -t 120 -o "$d/metrics.txt" -e "$d/curl.err" '
        xendoctor serve --web.listen-address 127.0.0.1:19936 > /tmp/serve.log 2>&1 &
        pid=$!
        for i in $(seq 60); do
            out=$(curl -fsS http://127.0.0.1:19936/metrics 2>/tmp/curl.err)
            if printf "%s\n" "$out" | grep -q "^xendoctor_check_status"; then break; fi
            kill -0 $pid 2>/dev/null || break
            sleep 1
        done
        printf "%s\n" "$out"
        kill $pid 2>/dev/null; wait $pid 2>/dev/null
        { cat /tmp/curl.err; echo "--- serve log (tail):"; tail -n 20 /tmp/serve.log; } >&2
        true'
    verify serve "$d"
    timing "  serve + scrape" $(( $(date +%s) - t )); t=$(date +%s)

    # 2. a domU running
    d="$OUT/domu"; mkdir -p "$d"
    if start_domu > "$d/start-domu.log" 2>&1; then
        timing "  start domU" $(( $(date +%s) - t )); t=$(date +%s)
        run0 -o "$d/xen-diag-1.txt" 'xen-diag gnttab_query_size 1'
        run0 -o "$d/ethtool-k-xenbr0.txt" 'ethtool -k xenbr0'
        run0 -o "$d/ethtool-k-vif1.0.txt" 'ethtool -k vif1.0'
        report "$d"; verify domu "$d"
        capture domu dom0-domu-credit2
        timing "  domu + capture" $(( $(date +%s) - t )); t=$(date +%s)

        # 7. fix --apply for the offload remedy, then the report is ok for the vif
        d="$OUT/fix"; mkdir -p "$d"
        run0 -t 180 -o "$d/fix.out" -e "$d/fix.err" 'xendoctor fix --apply --only ethtool-offload-off --yes'
        echo $? > "$d/fix.rc"
        run0 -o "$d/ethtool-k-vif1.0.txt" 'ethtool -k vif1.0'
        report "$d" --check bridge-offload; verify fix "$d"
        timing "  fix --apply" $(( $(date +%s) - t )); t=$(date +%s)

        # 8. fleet metrics of the domU (disk and traffic) from two scrapes of serve, against xentop
        d="$OUT/fleet"; mkdir -p "$d"
        "$XT_DIR/fleet.sh" "$d"; verify fleet "$d"
        timing "  fleet metrics (serve, xentop)" $(( $(date +%s) - t )); t=$(date +%s)
    else
        cat "$d/start-domu.log" >&2
        echo "FAIL domu: the tiny domU did not start" | tee -a "$RESULTS"
        FAILED+=(domu fix fleet)
    fi

    # 4. xenconsoled killed (Debian starts it from /etc/init.d/xen; it has no unit of its own)
    d="$OUT/xenconsoled"; mkdir -p "$d"
    run0 'kill $(cat /run/xenconsoled.pid); sleep 2; pgrep -a xenconsoled && exit 1; echo "xenconsoled is gone"' \
        > "$d/kill.log" 2>&1
    report "$d"; verify xenconsoled "$d"
    capture xenconsoled xenconsoled-stopped
    timing "  xenconsoled killed + capture" $(( $(date +%s) - t )); t=$(date +%s)
    "$XT_DIR/halt.sh" --kill >/dev/null 2>&1   # a clean poweroff is not what is under test
    timing "  halt" $(( $(date +%s) - t ))
}

# ---- boot 2: sched=credit gnttab_max_frames=256 ------------------------------------------------------
boot_credit() {
    boot credit --xen-args "sched=credit gnttab_max_frames=256" || return
    local t d="$OUT/credit"
    t=$(date +%s)
    report "$d"; verify credit "$d"
    capture credit dom0-credit-gnttab256
    timing "  credit + capture" $(( $(date +%s) - t ))
    "$XT_DIR/halt.sh" --kill >/dev/null 2>&1
}

# ---- boot 3: the same kernel without Xen ---------------------------------------------------------------
boot_noxen() {
    boot noxen --no-xen || return
    local t d="$OUT/noxen"
    t=$(date +%s)
    report "$d"; verify noxen "$d"
    capture noxen no-xen
    timing "  noxen + capture" $(( $(date +%s) - t ))
    "$XT_DIR/halt.sh" --kill >/dev/null 2>&1
}

for b in "${BOOTS[@]}"; do
    case "$b" in
        default|credit|noxen) "boot_$b" ;;
        *) die "unknown boot $b (default, credit, noxen)" ;;
    esac
done

timing "total" $(( $(date +%s) - T_START ))
echo
echo "== real-Xen results ($OUT/results.txt)"
cat "$RESULTS"
echo "== capture vs committed fixture hosts (informational): $OUT/compare-*.txt"
for f in "$OUT"/compare-*.txt; do [ -e "$f" ] && head -n 1 "$f"; done
pass=$(grep -c '^PASS' "$RESULTS"); fail=$(grep -c '^FAIL' "$RESULTS")
echo "== $pass passed, $fail failed${FAILED[*]:+ (${FAILED[*]})}"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
