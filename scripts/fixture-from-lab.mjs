#!/usr/bin/env node
// Builds a replayable fixture host (test/fixtures/hosts/<name>/) from one lab capture folder
// (../shared/lab-captures/<scenario>/: one file per command, as the lab's capture-dom0.sh wrote them).
//
//   node scripts/fixture-from-lab.mjs CAPTURE_DIR OUT_DIR [KERNEL_CONFIG]
//
// Verbatim copies: command outputs (replies), /proc/cpuinfo, /proc/cmdline, /proc/xen/capabilities,
// /sys/hypervisor files, /etc files. Derived (same facts, the file format the agent reads):
// /proc/mounts from `mount`, /proc/<pid>/comm from `ps`, /proc/sys/kernel/{hostname,osrelease} from
// `uname -a`, /sys/class/net from `ip -d -j link`. Made up (never captured): send_redirects values.
// Every choice is written to OUT_DIR/CAPTURED.md.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [captureDir, outDir, kernelConfig] = process.argv.slice(2);
if (!captureDir || !outDir) {
  console.error('usage: fixture-from-lab.mjs CAPTURE_DIR OUT_DIR [KERNEL_CONFIG]');
  process.exit(64);
}

const exitcodes = new Map(
  readFileSync(path.join(captureDir, 'exitcodes'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
    .map(([name, rc]) => [name, Number(rc)]),
);
const captured = (name) => {
  const file = path.join(captureDir, `${name}.txt`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};
const ok = (name) => exitcodes.get(name) === 0 && captured(name) !== undefined;

rmSync(outDir, { recursive: true, force: true });
const put = (file, text) => {
  const full = path.join(outDir, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
};
const notes = [];

// --- commands: every capture the probes replay, with stdout, stderr and exit code -----------------
const replies = path.join(outDir, 'commands', 'replies');
const commandNames = new Set();
const reply = (argv, name) => {
  if (!exitcodes.has(name)) return;
  const key = argv.join(' ');
  commandNames.add(argv[0]);
  mkdirSync(replies, { recursive: true });
  writeFileSync(path.join(replies, `${key}.stdout`), captured(name) ?? '');
  const stderr = path.join(captureDir, `${name}.stderr.txt`);
  if (existsSync(stderr)) writeFileSync(path.join(replies, `${key}.stderr`), readFileSync(stderr));
  const rc = exitcodes.get(name);
  if (rc !== 0) writeFileSync(path.join(replies, `${key}.rc`), `${rc}\n`);
};
reply(['xl', 'info'], 'xl-info');
reply(['xl', 'list'], 'xl-list');
reply(['xl', 'list', '-l'], 'xl-list-l');
reply(['xl', 'dmesg'], 'xl-dmesg');
reply(['dmesg'], 'dmesg');
reply(['systemctl', 'list-unit-files', '--no-pager', 'xen*'], 'systemctl-list-unit-files-xen');
for (const name of exitcodes.keys()) {
  const gnttab = /^xen-diag-gnttab_query_size-(\d+)$/.exec(name);
  if (gnttab) reply(['xen-diag', 'gnttab_query_size', gnttab[1]], name);
  const ethtool = /^ethtool-k-(.+)$/.exec(name);
  if (ethtool) reply(['ethtool', '-k', ethtool[1]], name);
}
const replayer = path.join(outDir, 'commands');
for (const command of commandNames) {
  // One shared replayer (test/fixtures/replay.sh) behind every fake command: see its header.
  symlinkSync('../../../replay.sh', path.join(replayer, command));
}

// --- files read verbatim ----------------------------------------------------------------------------
if (ok('proc-cpuinfo')) put('proc/cpuinfo', captured('proc-cpuinfo'));
if (ok('proc-cmdline')) put('proc/cmdline', captured('proc-cmdline'));
if (ok('proc-meminfo')) put('proc/meminfo', captured('proc-meminfo'));
if (ok('proc-xen-capabilities')) put('proc/xen/capabilities', captured('proc-xen-capabilities'));
if (ok('etc-default-grub')) put('etc/default/grub', captured('etc-default-grub'));
if (ok('etc-xen-xl.conf')) put('etc/xen/xl.conf', captured('etc-xen-xl.conf'));
if (ok('etc-default-xen')) put('etc/default/xen', captured('etc-default-xen'));
if (ok('etc-default-xendomains')) put('etc/default/xendomains', captured('etc-default-xendomains'));

// /sys/hypervisor: `head -v` of every file; the binary buildid is left out. Without Xen the directory
// exists but is empty (that is the trap: its existence proves nothing).
mkdirSync(path.join(outDir, 'sys/hypervisor'), { recursive: true });
writeFileSync(path.join(outDir, 'sys/hypervisor/.keep'), '');
const hyp = captured('sys-hypervisor-files') ?? '';
for (const section of hyp.split(/^==> /m).slice(1)) {
  const [header, ...body] = section.split('\n');
  const file = header.replace(/ <==$/, '');
  if (file.endsWith('/buildid')) continue;
  put(file.slice(1), `${body.join('\n').replace(/\n+$/, '')}\n`);
}

// --- files derived from a command's output ----------------------------------------------------------
const uname = (captured('uname-a') ?? '').split(' ');
put('proc/sys/kernel/hostname', `${uname[1]}\n`);
put('proc/sys/kernel/osrelease', `${uname[2]}\n`);
notes.push('proc/sys/kernel/{hostname,osrelease}: fields 2 and 3 of `uname -a`.');

const mounts = (captured('mount') ?? '')
  .trim()
  .split('\n')
  .map((line) => /^(\S+) on (\S+) type (\S+) \((.*)\)$/.exec(line))
  .filter(Boolean)
  .map(([, what, where, type, opts]) => `${what} ${where} ${type} ${opts} 0 0`);
put('proc/mounts', `${mounts.join('\n')}\n`);
notes.push('proc/mounts: rewritten from `mount` ("X on Y type T (opts)" -> "X Y T opts 0 0").');

for (const line of (captured('ps') ?? '').trim().split('\n').slice(1)) {
  const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line);
  if (!match) continue;
  const [, pid, comm, args] = match;
  put(`proc/${pid}/comm`, `${comm}\n`);
  put(`proc/${pid}/cmdline`, args.startsWith('[') ? '' : `${args.split(' ').join('\0')}\0`);
}
notes.push('proc/<pid>/{comm,cmdline}: from `ps -eo pid,comm,args` (kernel threads get an empty cmdline).');

const links = ok('ip-d-j-link') ? JSON.parse(captured('ip-d-j-link')) : [];
const bridges = [];
for (const link of links) {
  const dir = `sys/class/net/${link.ifname}`;
  put(`${dir}/operstate`, `${(link.operstate ?? 'unknown').toLowerCase()}\n`);
  put(`${dir}/address`, `${link.address ?? ''}\n`);
  if (link.linkinfo?.info_kind === 'bridge') {
    bridges.push(link.ifname);
    put(`${dir}/bridge/stp_state`, `${link.linkinfo.info_data?.stp_state ?? 0}\n`);
  }
}
for (const link of links) {
  if (link.master) {
    put(`sys/class/net/${link.master}/brif/${link.ifname}`, '');
  }
}
notes.push(
  'sys/class/net/<dev>/{operstate,address,bridge/,brif/}: from `ip -d -j link` (brif entries are files, not links).',
);

// Never captured: the kernel default (1) for every interface, so bridge-redirects has something to read.
for (const dev of ['all', 'default', ...links.map((l) => l.ifname)]) {
  put(`proc/sys/net/ipv4/conf/${dev}/send_redirects`, '1\n');
}
notes.push(
  'proc/sys/net/ipv4/conf/*/send_redirects: MADE UP as 1 (the kernel default); the lab did not capture sysctls.',
);

if (captured('systemctl-is-system-running') !== undefined) {
  put('run/systemd/system/.keep', '');
  notes.push(
    'run/systemd/system/: created because the host ran systemd (`systemctl is-system-running` answered).',
  );
}

if (kernelConfig) {
  cpSync(kernelConfig, path.join(outDir, `boot/config-${uname[2]}`));
  notes.push(
    `boot/config-${uname[2]}: extracted from Debian's linux-image-${uname[2]} package (the lab's kernel, not read on the lab host).`,
  );
}

const scenario = (captured('_scenario') ?? '').trim();
put(
  'CAPTURED.md',
  `# Fixture host built from a real lab capture

Source: shared/lab-captures/${path.basename(captureDir)} (real Xen 4.17 + Debian bookworm dom0 under QEMU),
converted by \`node scripts/fixture-from-lab.mjs\`. Command outputs under commands/replies/ are verbatim;
so are files under proc/, sys/hypervisor/ and etc/ unless listed here.

\`\`\`
${scenario}
\`\`\`

Derived or made up:
${notes.map((n) => `- ${n}`).join('\n')}
`,
);
console.log(`wrote ${outDir}: ${commandNames.size} commands, ${bridges.length} bridges`);
