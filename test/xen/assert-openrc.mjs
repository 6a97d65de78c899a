// Assertions for the OpenRC dom0 (test/xen/openrc.sh): the shipped OpenRC service, installed as
// docs/install.md says and enabled with rc-update, on a real Debian 12 + OpenRC + Xen 4.17 dom0 after a
// reboot. Prints one PASS/FAIL line per assertion; exits 1 when any failed.
//
// usage: node test/xen/assert-openrc.mjs DIR    (DIR: what openrc.sh collected in dom0)
import { assertions, byId, collected, texts } from './assert-lib.mjs';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node test/xen/assert-openrc.mjs DIR');
  process.exit(2);
}
const { read, json } = collected(dir);
/** key=value lines of a collected file (the first word after = when `word` is set). */
function fields(name) {
  const out = {};
  for (const line of (read(name) ?? '').split('\n')) {
    const m = /^([a-z_0-9]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}
const { check: checkAs, failed } = assertions();
const check = (description, fn) => checkAs('openrc', description, fn);
const tail = (name, n = 600) => (read(name) ?? `(no ${name})`).slice(-n).trim();

// ---- install (boot 1) ----------------------------------------------------------------------------------
check('installed the documented way (apt install nodejs and the .deb, install -D, rc-update add)', () =>
  (read('install.rc') ?? '').trim() === '0'
    ? true
    : `exit ${read('install.rc')?.trim()}: ${tail('install.err')}`,
);
check('not started by hand before the reboot (rc-service xendoctor status: stopped, exit 3)', () => {
  const text = read('status-before-reboot.txt') ?? '';
  return /status: stopped/.test(text) && /^rc=3$/m.test(text) ? true : text.trim();
});
check('boot 1 powered off cleanly (the install is on disk for the reboot)', () =>
  (read('poweroff-1.txt') ?? '').trim() === 'clean' ? true : tail('poweroff-1.txt'),
);

// ---- started at boot (boot 2) --------------------------------------------------------------------------
const boot = fields('boot-state.txt');
check('OpenRC started it at boot (/run/openrc/started/xendoctor)', () =>
  boot.started_link === 'yes' ? true : `started_link=${boot.started_link}: ${tail('boot-state.err')}`,
);
check('under supervise-daemon, as the conf.d says (the pid file holds the supervisor)', () =>
  /^supervise-daemon xendoctor /.test(boot.supervisor_cmd ?? '')
    ? true
    : `supervisor: ${boot.supervisor_cmd}`,
);
check(
  'the daemon is the .deb launcher running `serve` (/usr/bin/node /usr/lib/xendoctor/cli.js serve)',
  () =>
    /^\/usr\/bin\/node \/usr\/lib\/xendoctor\/cli\.js serve /.test(boot.child_cmd ?? '')
      ? true
      : `child: ${boot.child_cmd}`,
);
check('the daemon started during the boot, before the test agent ran anything', () => {
  const start = Number(boot.child_start_uptime);
  const ready = Number((read('agent-ready-2.txt') ?? '').trim());
  return Number.isFinite(start) && Number.isFinite(ready) && start > 0 && start < ready
    ? true
    : `daemon started at uptime ${boot.child_start_uptime} s, agent ready at ${ready} s`;
});
check('rc-status lists it started in the default runlevel', () => {
  const text = read('rc-status.txt') ?? '';
  return /^ xendoctor\s+\[\s+started\b/m.test(text) ? true : text.trim();
});
check('rc-update show default lists it', () =>
  /^\s*xendoctor \| default/m.test(read('rc-update-show.txt') ?? '') ? true : tail('rc-update-show.txt'),
);
check('rc-service xendoctor status: started (exit 0)', () => {
  const text = read('status.txt') ?? '';
  return /status: started/.test(text) && /^rc=0$/m.test(text) ? true : text.trim();
});

// ---- /metrics -----------------------------------------------------------------------------------------
const metrics = read('metrics.txt') ?? '';
check('/metrics answers with check results', () =>
  /^xendoctor_check_status\{/m.test(metrics) ? true : `curl: ${tail('curl.err')}`,
);
check('/metrics carries the real Xen facts (xen_info 4.17, gnttab_max_frames of dom0 64)', () => {
  const xen = /^xendoctor_xen_info\{[^}]*version="4\.17[^"]*"/m.test(metrics);
  const gnttab = /^xendoctor_gnttab_max_frames\{[^}]*domid="0"[^}]*\} 64$/m.test(metrics);
  return xen && gnttab ? true : `xen_info 4.17: ${xen}, gnttab_max_frames{domid="0"} 64: ${gnttab}`;
});
check('xen-daemons is ok as the daemon sees it (check_status 0 under the service)', () =>
  /^xendoctor_check_status\{check="xen-daemons"\} 0$/m.test(metrics)
    ? true
    : metrics
        .split('\n')
        .filter((l) => l.startsWith('xendoctor_check_status'))
        .join(' | '),
);

// ---- the log --------------------------------------------------------------------------------------------
const logs = read('logs.txt') ?? '';
check(
  'the log goes where the conf.d says (/var/log/xendoctor-serve.log, JSON lines; no default file)',
  () => {
    const m = /^== \/var\/log\/xendoctor-serve\.log (\d+) lines\n(.*)$/m.exec(logs);
    if (!m || Number(m[1]) === 0) return logs.trim();
    if (!/^\{"level":/.test(m[2])) return `not pino JSON: ${m[2]}`;
    return /^== \/var\/log\/xendoctor\.log absent$/m.test(logs)
      ? true
      : 'the default /var/log/xendoctor.log exists too';
  },
);

// ---- the report -----------------------------------------------------------------------------------------
const doc = json('report.json');
check('the report says init openrc, dom0, Xen 4.17', () =>
  doc?.host?.init === 'openrc' && doc?.host?.role === 'dom0' && /^4\.17\./.test(doc?.host?.xenVersion ?? '')
    ? true
    : `init ${doc?.host?.init}, role ${doc?.host?.role}, xen ${doc?.host?.xenVersion}: ${tail('report.err')}`,
);
const daemons = byId(doc, 'xen-daemons');
check('xen-daemons is ok', () =>
  daemons?.status === 'ok' ? true : `${daemons?.status}: ${daemons?.summary}`,
);
check("xen-daemons read OpenRC's runlevels (xen and xendomains in the default runlevel)", () => {
  const all = texts(daemons);
  const wanted = ['xen (openrc): in the default runlevel', 'xendomains (openrc): in the default runlevel'];
  const missing = wanted.filter((w) => !all.includes(w));
  return missing.length === 0 && all.some((t) => t.startsWith('OpenRC boots into:'))
    ? true
    : `missing ${JSON.stringify(missing)} in ${JSON.stringify(all)}`;
});

// ---- restart and stop ------------------------------------------------------------------------------------
const restart = fields('restart.txt');
check('rc-service xendoctor restart: exit 0, a new daemon, the old one gone, status started, serving', () => {
  const [, oldChild, newChild] = /^(\d+) new_child=(\d+)$/.exec(restart.old_child ?? '') ?? [];
  const ok =
    restart.restart_rc === '0' &&
    oldChild !== undefined &&
    newChild !== oldChild &&
    restart.old_alive === 'no' &&
    restart.status_rc === '0' &&
    restart.serving_again === 'yes';
  return ok ? true : `${JSON.stringify(restart)} ${tail('restart.err', 300)}`;
});
const stop = fields('stop.txt');
check('rc-service xendoctor stop: exit 0, status stopped (exit 3), not in /run/openrc/started', () =>
  stop.stop_rc === '0' && stop.status_rc === '3' && stop.started_link === 'no' ? true : JSON.stringify(stop),
);
check('stop is clean: supervisor and daemon gone, the pid file gone', () =>
  stop.supervisor_alive === 'no' && stop.child_alive === 'no' && stop.pidfile_exists === 'no'
    ? true
    : JSON.stringify(stop),
);
check('stop leaves no orphan: no xl, xen-diag or serve process, every child of the daemon gone', () => {
  const formerAlive = Object.entries(stop).filter(([k, v]) => k.startsWith('former_child_') && v === 'alive');
  return stop.xl_procs === '' &&
    stop.xen_diag_procs === '' &&
    stop.serve_procs === '' &&
    formerAlive.length === 0
    ? true
    : `${JSON.stringify(stop)}\n${tail('stop.err', 2000)}`;
});

// ---- xenconsoled killed -------------------------------------------------------------------------------------
const killed = json('report-xenconsoled.json');
const kd = byId(killed, 'xen-daemons');
check('after pkill xenconsoled: xen-daemons fails naming xenconsoled, the report exits 2', () =>
  kd?.status === 'fail' && texts(kd).some((t) => t.includes('xenconsoled')) && killed?.exitCode === 2
    ? true
    : `${kd?.status}: ${kd?.summary}; exit ${killed?.exitCode} ${tail('report-xenconsoled.err', 300)}`,
);
check("the remedy is OpenRC's (rc-service xen zap/start), never systemctl", () => {
  const commands = (kd?.remedies ?? []).flatMap((r) => r.commands ?? []);
  const rc = commands.some((c) => /^rc-service xen (zap|start)\b/.test(c));
  const systemd = commands.filter((c) => c.includes('systemctl'));
  return rc && systemd.length === 0 ? true : JSON.stringify(commands);
});

process.exit(failed() > 0 ? 1 : 0);
