// Assertions for the Debian 13 / Xen 4.20 dom0 (test/xen/trixie.sh): the .deb installed with apt, the report
// by hand, the shipped unit's report compared check by check, journal priorities, a clean stop, the
// security score. Prints one PASS/FAIL line per assertion; exits 1 when any failed.
//
// usage: node test/xen/assert-trixie.mjs OUT       (OUT: what trixie.sh collected in dom0)
import { assertions, byId, CHECK_IDS, collected, texts } from './assert-lib.mjs';

// pino's levels as the syslog priorities journald must have stored (src/exporter/log.ts).
const PRIORITY = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

const out = process.argv[2];
if (!out) {
  console.error('usage: node test/xen/assert-trixie.mjs OUT');
  process.exit(2);
}
const { read, json } = collected(out);
const { check: checkAs, failed } = assertions();
const check = (step, description, fn) => checkAs(`trixie-${step}`, description, fn);
const field = (text, name) => new RegExp(`^${name}[:=] ?(.*)$`, 'm').exec(text ?? '')?.[1]?.trim();

// ---- install -------------------------------------------------------------------------------------------
const facts = read('install/facts.txt') ?? '';
check(
  'install',
  '`apt install ./xendoctor_*.deb` exits 0 offline (nodejs 20 from trixie satisfies Depends)',
  () =>
    read('install/apt.rc')?.trim() === '0'
      ? true
      : `exit ${read('install/apt.rc')?.trim()}: ${(read('install/apt.err') ?? '').slice(-600)}`,
);
check('install', 'dpkg has xendoctor installed, the launcher is /usr/bin/xendoctor, on Node.js >= 20', () => {
  const node = /^v(\d+)\./.exec(field(facts, 'node') ?? '')?.[1];
  return /install ok installed/.test(field(facts, 'dpkg') ?? '') &&
    field(facts, 'which') === '/usr/bin/xendoctor' &&
    Number(node) >= 20 &&
    /\d/.test(field(facts, 'xendoctor') ?? '')
    ? true
    : facts.trim().replace(/\n/g, ' | ');
});
check('install', 'the package leaves the unit disabled until the admin enables it', () =>
  field(facts, 'unit') === 'disabled' ? true : `systemctl is-enabled: ${field(facts, 'unit')}`,
);

// ---- the report by hand on Xen 4.20 --------------------------------------------------------------------
const hand = json('hand/report.json');
check('hand', 'the report is JSON with every check', () => {
  if (!hand) return `no parseable report: ${(read('hand/report.err') ?? '').slice(-400)}`;
  const missing = CHECK_IDS.filter((id) => !byId(hand, id));
  return missing.length === 0 ? true : `missing: ${missing.join(', ')}`;
});
check('hand', 'the header says dom0 on Xen 4.20', () =>
  hand?.host?.role === 'dom0' && /^4\.20\./.test(hand?.host?.xenVersion ?? '')
    ? true
    : `role ${hand?.host?.role}, xenVersion ${hand?.host?.xenVersion}`,
);
for (const id of ['xen-hypervisor', 'xen-dom0', 'xen-daemons']) {
  check('hand', `${id} is ok`, () =>
    byId(hand, id)?.status === 'ok' ? true : JSON.stringify(texts(byId(hand, id))),
  );
}
check(
  'hand',
  'scheduler: credit2 on 4.20 (>= 4.15.1, no domU) is ok with advice naming credit2, 4.20 and 4.15.1',
  () => {
    const c = byId(hand, 'scheduler');
    const finding = c?.findings?.find((f) => f.code === 'credit2-default');
    const all = texts(c).join('\n');
    const missing = ['credit2', '4.20', '4.15.1'].filter((w) => !all.includes(w));
    return c?.status === 'ok' && finding?.severity === 'advice' && missing.length === 0
      ? true
      : `status ${c?.status}, findings ${JSON.stringify(c?.findings?.map((f) => [f.code, f.severity]))}, lacks ${missing}`;
  },
);
const diag = /domid=0: nr_frames=(\d+), max_nr_frames=(\d+)/.exec(read('hand/xen-diag-0.txt') ?? '');
check('hand', 'xen-diag gnttab_query_size 0 answers in dom0', () =>
  diag ? true : read('hand/xen-diag-0.txt'),
);
check('hand', "grant-tables is ok and reports dom0's frames as xen-diag says", () => {
  const c = byId(hand, 'grant-tables');
  if (!diag) return 'no xen-diag reference';
  const wanted = `${diag[1]} of ${diag[2]} grant frames (xen-diag gnttab_query_size 0)`;
  return c?.status === 'ok' && texts(c).some((t) => t.includes(wanted))
    ? true
    : `status ${c?.status}; "${wanted}" not in ${JSON.stringify(texts(c))}`;
});
check('hand', 'no check errors', () => {
  const errors = (hand?.checks ?? []).filter((c) => c.status === 'error');
  return errors.length === 0 ? true : errors.map((c) => `${c.id}: ${c.summary}`).join(' | ');
});
check('hand', 'the report exits 0 (advice does not raise the exit code)', () => {
  const rc = read('hand/report.rc')?.trim();
  return rc === '0' && hand?.exitCode === 0
    ? true
    : `exit ${rc}: ${(hand?.checks ?? [])
        .filter((c) => c.status !== 'ok' && c.status !== 'skip')
        .map((c) => `${c.id} ${c.status}: ${c.summary}`)
        .join(' | ')}`;
});

// ---- the shipped unit ------------------------------------------------------------------------------------
const show = read('service/show.txt') ?? '';
check('service', '`systemctl enable --now xendoctor` exits 0; the unit is active, never restarted', () =>
  read('service/enable.rc')?.trim() === '0' &&
  field(show, 'ActiveState') === 'active' &&
  field(show, 'NRestarts') === '0'
    ? true
    : `exit ${read('service/enable.rc')?.trim()} ${read('service/enable.err') ?? ''}; ${show.replace(/\n/g, ' ')}`,
);
const served = json('service/report.json');
check('service', "the unit's /report.json has every check", () => {
  if (!served) return `no parseable /report.json: ${(read('service/curl.err') ?? '').slice(-600)}`;
  const missing = CHECK_IDS.filter((id) => !byId(served, id));
  return missing.length === 0 ? true : `missing: ${missing.join(', ')}`;
});
check('service', 'under the sandbox every check gives the verdict it gives by hand', () => {
  if (!served || !hand) return 'a report is missing';
  const differ = (hand.checks ?? [])
    .filter((c) => byId(served, c.id)?.status !== c.status)
    .map(
      (c) =>
        `${c.id}: by hand ${c.status}, unit ${byId(served, c.id)?.status} (${byId(served, c.id)?.summary})`,
    );
  return differ.length === 0 ? true : differ.join(' | ');
});
check('service', 'under the sandbox the findings are the same codes as by hand', () => {
  if (!served || !hand) return 'a report is missing';
  const codes = (c) => JSON.stringify((c?.findings ?? []).map((f) => f.code).sort());
  const differ = (hand.checks ?? [])
    .filter((c) => codes(byId(served, c.id)) !== codes(c))
    .map((c) => `${c.id}: by hand ${codes(c)}, unit ${codes(byId(served, c.id))}`);
  return differ.length === 0 ? true : differ.join(' | ');
});
const metrics = read('service/metrics.txt') ?? '';
check(
  'service',
  '/metrics carries the real facts: xen_info 4.20, dom0 grant frames max as xen-diag says',
  () => {
    const xen = /^xendoctor_xen_info\{[^}]*version="4\.20[^"]*"/m.test(metrics);
    const max = diag?.[2] ?? '?';
    const gnttab = new RegExp(`^xendoctor_gnttab_max_frames\\{[^}]*domid="0"[^}]*\\} ${max}$`, 'm').test(
      metrics,
    );
    return xen && gnttab ? true : `xen_info 4.20: ${xen}, gnttab_max_frames{domid="0"} ${max}: ${gnttab}`;
  },
);

// ---- the journal -----------------------------------------------------------------------------------------
const pinoLines = (read('journal/journal.json') ?? '')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    try {
      const entry = JSON.parse(line);
      return { priority: Number(entry.PRIORITY), record: JSON.parse(entry.MESSAGE) };
    } catch {
      return undefined; // a line systemd wrote itself ("Started ...") or not pino's JSON
    }
  })
  .filter((entry) => typeof entry?.record?.level === 'number');
check(
  'journal',
  "`journalctl -p warning -u xendoctor` shows the daemon's warning: xen-daemons turned fail",
  () => {
    const lines = (read('journal/warning.txt') ?? '').split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
    return lines.some((l) => l.probe === 'xen-daemons' && l.to === 'fail' && l.level === 40)
      ? true
      : `warning lines: ${read('journal/warning.txt')?.slice(0, 800)} ${read('journal/wait.err') ?? ''}`;
  },
);
check(
  'journal',
  'every daemon line is stored at its level as priority (info 6, warn 4), info never at warning',
  () => {
    const wrong = pinoLines.filter((e) => PRIORITY[e.record.level] !== e.priority);
    const levels = new Set(pinoLines.map((e) => e.record.level));
    if (!levels.has(30) || !levels.has(40)) return `levels seen: ${[...levels]} in ${pinoLines.length} lines`;
    return wrong.length === 0
      ? true
      : wrong.map((e) => `level ${e.record.level} "${e.record.msg}" at priority ${e.priority}`).join(' | ');
  },
);

// ---- stop and start --------------------------------------------------------------------------------------
const stop = read('stop/stop.txt') ?? '';
check('stop', 'stopped while its cycle had children running (so the stop is tested)', () => {
  const n = Number(/^children at stop: (\d+)/m.exec(stop)?.[1]);
  return n >= 1 ? true : stop.trim().replace(/\n/g, ' | ') + (read('stop/stop.err') ?? '');
});
check('stop', '`systemctl stop xendoctor`: inactive, Result=success (no kill after the stop timeout)', () =>
  field(stop, 'active') === 'inactive' && field(stop, 'Result') === 'success'
    ? true
    : stop.trim().replace(/\n/g, ' | '),
);
check('stop', 'no xl, xen-diag, ethtool, dmesg or node left after the stop', () =>
  field(stop, 'left') === '' ? true : `left: ${field(stop, 'left')}`,
);
const start = read('stop/start.txt') ?? '';
check('stop', '`systemctl start xendoctor` again: active, /metrics answers', () =>
  field(start, 'active') === 'active' && Number(start.trim().split('\n').at(-1)) > 0
    ? true
    : `${start.trim().replace(/\n/g, ' | ')} ${read('stop/start.err') ?? ''}`,
);

// ---- systemd-analyze security ---------------------------------------------------------------------------------
const security = /Overall exposure level for xendoctor\.service: ([\d.]+) (\S+)/.exec(
  read('security.txt') ?? '',
);
check(
  'security',
  `systemd-analyze security xendoctor on the dom0: ${security ? `${security[1]} ${security[2]}` : 'no score'}`,
  () => (security ? true : (read('security.txt') ?? '').slice(-400)),
);

process.exit(failed() > 0 ? 1 : 0);
