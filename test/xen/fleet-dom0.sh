#!/bin/bash
# Runs IN DOM0 (test/xen/fleet.sh copies it into the 9p share): the data for the `fleet` scenario.
# The tiny domU is running with its disk (xvda) and its /init reads and writes it every 2 s. This script
#   - gives xenbr0 192.0.2.1/24 (the domU, 192.0.2.2, pings that every 2 s: traffic both ways),
#   - starts `xendoctor serve` with its command search path on a folder of wrappers that log each command
#     it runs (with the time), so that the assertions can count the commands of one cycle,
#   - scrapes /metrics after a cycle (A), then takes xentop, xl list, xl list -l and xl vcpu-list, sends the
#     domU 200 UDP datagrams of 1200 bytes (it receives much more than it sends), and scrapes again after a
#     cycle that STARTED after xentop ended (B): each counter xentop showed lies between A and B.
# Leaves everything in /tmp/fleet (tarred to the share by fleet.sh); undoes the address and stops what it
# started.
set -u
D=/tmp/fleet
PORT=19937
rm -rf "$D" && mkdir -p "$D"
now() { date +%s.%N; }
scrape() { curl -fsS "http://127.0.0.1:$PORT/metrics" 2>>"$D/curl.err"; }
# The domains probe's run of the last cycle: "FINISHED DURATION" from a scrape (empty before the first run).
domains_run() {
    awk '/^xendoctor_probe_last_run_timestamp_seconds\{probe="domains"\}/ { f = $2 }
         /^xendoctor_probe_duration_seconds\{probe="domains"\}/ { d = $2 }
         END { if (f != "") print f, d }' "$1"
}

ip addr add 192.0.2.1/24 dev xenbr0 2>/dev/null
# The domU pings 192.0.2.1 every 2 s (its /init; dom0's minbase has no ping): once dom0 knows its MAC
# address, traffic flows both ways. 120 s at most.
for _ in $(seq 120); do
    ip neigh show 192.0.2.2 dev xenbr0 | grep -q lladdr && break
    sleep 1
done
ip neigh show 192.0.2.2 dev xenbr0 > "$D/neighbour.txt"
grep -q lladdr "$D/neighbour.txt" || echo "the domU was never heard on xenbr0" >&2

# Wrappers: one bash script linked under the name of every command in the standard folders, logging
# "<epoch seconds> <argv>" then running the real command (its own PATH is the standard one again). Made by
# node, which is in dom0 anyway: a fork per link costs ~10 ms under TCG.
W=/tmp/xd-wrappers
rm -rf "$W" && mkdir -p "$W"
cat > "$W/.log-and-run" <<'EOF'
#!/bin/bash
name=${0##*/}
printf '%s %s\n' "$EPOCHREALTIME" "$name $*" >> /tmp/fleet/commands.log
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec "$(command -v "$name")" "$@"
EOF
chmod 0755 "$W/.log-and-run"
node -e '
  const fs = require("fs"), path = require("path");
  const dir = process.argv[1];
  for (const from of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    let names = [];
    try { names = fs.readdirSync(from); } catch {}
    for (const name of names) {
      try { fs.symlinkSync(".log-and-run", path.join(dir, name)); } catch {}
    }
  }' "$W"
: > "$D/commands.log"

# 30 s between cycles: one cycle takes ~5-10 s under TCG on a quiet host (~2 min at load 22 on 2 cores:
# then the daemon skips the ticks that fall inside a cycle); each cycle's commands are told apart by time.
xendoctor serve --web.listen-address "127.0.0.1:$PORT" --interval 30s --path "$W" --timeout 30 \
    > "$D/serve.log" 2>&1 &
serve_pid=$!

# A: the first cycle that shows the domU's disk (its first scrape may predate nothing, but be safe).
for _ in $(seq 120); do
    scrape > "$D/metrics-a.txt"
    grep -q '^xendoctor_domain_block_read_requests_total{domain="tiny"' "$D/metrics-a.txt" &&
        [ -n "$(domains_run "$D/metrics-a.txt")" ] && break
    kill -0 $serve_pid 2>/dev/null || break
    sleep 1
done
now > "$D/a-scraped-at"
# Rounding: the timestamp is whole seconds; be past it for sure.
sleep 1

now > "$D/xentop-start"
xentop -b -i 1 > "$D/xentop.txt" 2>&1
now > "$D/xentop-end"
xl list > "$D/xl-list.txt" 2>&1
xl list -l > "$D/xl-list-l.json" 2>&1
xl vcpu-list > "$D/xl-vcpu-list.txt" 2>&1
xl domid tiny > "$D/domid.txt" 2>&1
now > "$D/xl-end"

# What the domU receives and does not answer (port 9, discard: nothing listens; its ICMP port-unreachable
# replies are rate-limited to about one a second).
for _ in $(seq 200); do head -c 1200 /dev/zero > /dev/udp/192.0.2.2/9; done 2>/dev/null

# B: the first cycle whose domains probe started after everything above ended (+1 s for the rounding).
after=$(cat "$D/xl-end")
for _ in $(seq 120); do
    scrape > "$D/metrics-b.txt"
    read -r fin dur < <(domains_run "$D/metrics-b.txt")
    if [ -n "${fin:-}" ] && awk -v f="$fin" -v d="$dur" -v a="$after" 'BEGIN { exit !(f - 0.5 - d > a) }'; then
        break
    fi
    kill -0 $serve_pid 2>/dev/null || break
    sleep 2
done
now > "$D/b-scraped-at"

kill $serve_pid 2>/dev/null
wait $serve_pid 2>/dev/null
ip addr del 192.0.2.1/24 dev xenbr0 2>/dev/null
# The sysfs files the metrics came from, as they are now: for the fixture host.
for f in /sys/class/net/vif*/statistics /sys/bus/xen-backend/devices/vbd-*/statistics; do
    [ -d "$f" ] || continue
    mkdir -p "$D/sysfs$f"
    for c in "$f"/*; do cat "$c" > "$D/sysfs$c" 2>/dev/null; done
done
ls -l /sys/bus/xen-backend/devices/ > "$D/xen-backend-devices.txt" 2>&1
tail -n 30 "$D/serve.log" >&2
true
