// A synthetic dom0 for benchmarks: the real dom0-domu-credit2 fixture host, scaled to N domains and P bridge
// ports. Made up (numbers and names are generated); only the shape of each output is real. The fake commands
// are one shell each and answer at once: each reply is stored as a one-line script (`printf %s '...'`) that
// the replayer sources, so a fake command costs one process and a few syscalls, no `cat` and no byte-by-byte
// `read` loop (measured: a 60-line reply costs what /bin/true costs, where a `read` loop cost 0.8 ms more).
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOSTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/hosts');
const TEMPLATE = path.join(HOSTS, 'dom0-domu-credit2');

const REPLAYER = `#!/bin/sh
# synthetic replayer: builtins only (one process per command); replies/KEY.sh prints the reply
key=\${0##*/}
for arg in "$@"; do key="$key $arg"; done
reply=\${0%/*}/replies/$key.sh
[ -f "$reply" ] || { echo "replay: no capture for: $key" >&2; exit 99; }
. "$reply"
`;

/** A reply as a script the replayer sources: printf with the text single-quoted. */
const replyScript = (text) => `printf %s '${text.replaceAll("'", "'\\''")}'\n`;

/** Writes the host into dir; returns how many commands a full report runs there. */
export function makeSyntheticHost(dir, { domains, ports }) {
  rmSync(dir, { recursive: true, force: true });
  cpSync(TEMPLATE, dir, { recursive: true, dereference: true, verbatimSymlinks: false });
  const replies = path.join(dir, 'commands/replies');
  const template = (argv) => readFileSync(path.join(TEMPLATE, 'commands/replies', `${argv}.stdout`), 'utf8');

  // xl list: Domain-0 plus domains-1 guests.
  const rows = ['Name                                        ID   Mem VCPUs\tState\tTime(s)'];
  rows.push(`${'Domain-0'.padEnd(44)}${'0'.padStart(2)}  1024     2     r-----     113.8`);
  for (let id = 1; id < domains; id++) {
    rows.push(`${`guest${id}`.padEnd(44)}${String(id).padStart(2)}    96     1     -b----       3.7`);
  }
  writeFileSync(path.join(replies, 'xl list.stdout'), `${rows.join('\n')}\n`);
  // xl list -l (the domains check's maximum memory): the template's guest entry, once per guest.
  const [dom0Entry, guestEntry] = JSON.parse(template('xl list -l'));
  const entries = [dom0Entry];
  for (let id = 1; id < domains; id++) {
    const entry = JSON.parse(JSON.stringify(guestEntry));
    entry.domid = id;
    entry.config.c_info.name = `guest${id}`;
    entries.push(entry);
  }
  writeFileSync(path.join(replies, 'xl list -l.stdout'), `${JSON.stringify(entries, null, 4)}\n`);
  // One disk (xvda) per guest with invented counters, in xen-blkback's sysfs shape.
  const backend = path.join(dir, 'sys/bus/xen-backend/devices');
  rmSync(backend, { recursive: true, force: true });
  for (let id = 1; id < domains; id++) {
    const stats = path.join(backend, `vbd-${id}-51712`, 'statistics');
    mkdirSync(stats, { recursive: true });
    for (const [file, value] of Object.entries({
      ds_req: 0,
      f_req: id,
      oo_req: id % 2,
      rd_req: 100 * id,
      rd_sect: 800 * id,
      wr_req: 10 * id,
      wr_sect: 80 * id,
    }))
      writeFileSync(path.join(stats, file), `${value}\n`);
  }
  for (const file of readdirSync(replies)) {
    if (file.startsWith('xen-diag ') || file.startsWith('ethtool ')) rmSync(path.join(replies, file));
  }
  for (let id = 0; id < domains; id++) {
    writeFileSync(
      path.join(replies, `xen-diag gnttab_query_size ${id}.stdout`),
      `domid=${id}: nr_frames=${1 + (id % 3)}, max_nr_frames=64\n`,
    );
  }

  // One bridge, xenbr0, with dummy0 and `ports - 1` vifs (the guests' first and second NICs).
  const net = path.join(dir, 'sys/class/net');
  for (const name of readdirSync(net))
    if (name.startsWith('vif')) rmSync(path.join(net, name), { recursive: true });
  rmSync(path.join(net, 'xenbr0/brif'), { recursive: true, force: true });
  mkdirSync(path.join(net, 'xenbr0/brif'), { recursive: true });
  const vifText = template('ethtool -k vif1.0');
  const devices = ['dummy0'];
  for (let i = 0; devices.length < ports; i++) devices.push(`vif${1 + Math.floor(i / 2)}.${i % 2}`);
  for (const dev of devices) {
    writeFileSync(path.join(net, 'xenbr0/brif', dev), '');
    mkdirSync(path.join(net, dev), { recursive: true });
    writeFileSync(path.join(net, dev, 'operstate'), 'up\n');
    // Netdev statistics (invented numbers, Linux's file names) for the domains check's vif counters.
    mkdirSync(path.join(net, dev, 'statistics'), { recursive: true });
    for (const file of [
      'rx_bytes',
      'tx_bytes',
      'rx_packets',
      'tx_packets',
      'rx_errors',
      'tx_errors',
      'rx_dropped',
      'tx_dropped',
    ])
      writeFileSync(path.join(net, dev, 'statistics', file), `${file.length * 1000}\n`);
    mkdirSync(path.join(dir, 'proc/sys/net/ipv4/conf', dev), { recursive: true });
    writeFileSync(path.join(dir, 'proc/sys/net/ipv4/conf', dev, 'send_redirects'), '1\n');
    const text = dev === 'dummy0' ? template('ethtool -k dummy0') : vifText.replace('vif1.0', dev);
    writeFileSync(path.join(replies, `ethtool -k ${dev}.stdout`), text);
  }
  writeFileSync(path.join(replies, 'ethtool -k xenbr0.stdout'), template('ethtool -k xenbr0'));

  // Every reply becomes a sourced script; every fake command is the builtin-only replayer.
  for (const file of readdirSync(replies)) {
    if (!file.endsWith('.stdout')) continue;
    const text = readFileSync(path.join(replies, file), 'utf8');
    writeFileSync(path.join(replies, file.replace(/\.stdout$/, '.sh')), replyScript(text));
  }
  for (const name of readdirSync(path.join(dir, 'commands'))) {
    if (name === 'replies') continue;
    const file = path.join(dir, 'commands', name);
    rmSync(file);
    writeFileSync(file, REPLAYER);
    chmodSync(file, 0o755);
  }
  writeFileSync(
    path.join(dir, 'MADE-UP.md'),
    `Synthetic host: ${domains} domains, ${ports} ports (bench/synthetic-host.mjs).\n`,
  );
  // Commands of one report: xl info, xl list, xl list -l, xl dmesg, dmesg, systemctl, one xen-diag per
  // domain, one ethtool per bridge and port.
  return { commandCount: 6 + domains + ports + 1 };
}

/** A full report on a replayed host, in this process, with tsc's modules (build/): { results, context, ... }. */
export async function reportOn(dir) {
  const build = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../build');
  const [{ createHost }, { probes }, { runReport }] = await Promise.all([
    import(path.join(build, 'host/host.js')),
    import(path.join(build, 'probes/index.js')),
    import(path.join(build, 'report/run.js')),
  ]);
  return runReport(createHost({ root: dir, path: [path.join(dir, 'commands')] }), probes);
}

/** The commands one report runs on a replayed host, as argv with the absolute fake executable first. */
export async function reportCommands(dir) {
  const { context } = await reportOn(dir);
  return (await context.commands()).map((c) => {
    const [name, ...args] = c.command.split(' ');
    return [path.join(dir, 'commands', name), ...args];
  });
}
