# shellcheck shell=bash
# What the real-Xen suites (run.sh, trixie.sh, openrc.sh) share, sourced after lib.sh: their results
# folder, the timings, a command in dom0, and QEMU never outliving the test.

# Empties $OUT and starts $RESULTS (results.txt) and T_START; from here QEMU is killed however the
# script exits (a suite may redefine `cleanup` to remove more).
start_suite() {
    # shellcheck disable=SC2034  # read by the suite that sources this file
    T_START=$(date +%s)
    rm -rf "$OUT"
    mkdir -p "$OUT"
    RESULTS="$OUT/results.txt"
    : > "$RESULTS"
    trap cleanup EXIT
    trap 'exit 143' TERM INT   # still runs the EXIT trap
}
timing() { printf '%-44s %4ss\n' "$1" "$2" | tee -a "$OUT/timings.txt" >&2; }
run0() { "$XT_DIR/dom0-run.sh" "$@"; }
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { "$XT_DIR/halt.sh" --kill >/dev/null 2>&1 || true; }
