// The service files checked by their own tools: systemd-analyze verify, shellcheck, and a real openrc-run
// start/status/stop of openrc/xendoctor against a fixture host.
//
// openrc-run on a machine OpenRC did not boot: it runs inside `unshare --mount` with a private tmpfs on
// /run/openrc (plus the state folders and the softlevel marker OpenRC's boot would create), so nothing
// of the host's /run is touched and the state vanishes with the namespace. Debian's start-stop-daemon is
// dpkg's, which lacks --stdout (output_log), so the test selects OpenRC's supervise-daemon from conf.d,
// as the conf.d documents.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, freePort, HOSTS, missingTools, ROOT, shouldRun, systemdRoot } from './system-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-services-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const systemdMissing = missingTools(['systemd-analyze']);
describe.runIf(shouldRun(systemdMissing))('systemd unit (system)', () => {
  const unit = readFileSync(path.join(ROOT, 'systemd/xendoctor.service'), 'utf8');
  const stub = { text: '#!/bin/sh\nexit 0\n', mode: 0o755 };
  const verify = (root: string) =>
    spawnSync('systemd-analyze', ['verify', `--root=${root}`, '/etc/systemd/system/xendoctor.service'], {
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('names the program by a bare name, so systemd finds it in /usr/local/bin and /usr/bin', () => {
    expect(unit).toMatch(/^ExecStart=xendoctor serve \$XENDOCTOR_OPTS$/m);
    expect(unit).toMatch(/^After=.*xen\.service xenstored\.service xenconsoled\.service proc-xen\.mount$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });

  // The unit as installed next to the program, unchanged: by npm install -g and by a distribution package.
  for (const bin of ['/usr/local/bin/xendoctor', '/usr/bin/xendoctor']) {
    it(`passes systemd-analyze verify as installed with the program in ${bin}`, () => {
      expect(systemdMissing, 'tools missing (apt-get install systemd)').toEqual([]);
      const root = systemdRoot(mkdtempSync(path.join(dir, 'root-')), {
        'etc/systemd/system/xendoctor.service': { text: unit, mode: 0o644 },
        [bin.slice(1)]: stub,
      });
      const result = verify(root);
      expect(result.stderr + result.stdout).toBe('');
      expect(result.status).toBe(0);
    });
  }

  // Recorded in docs/install.md: 5.7 MEDIUM with systemd 252. Hardening that is dropped raises it.
  it('keeps the exposure score of systemd-analyze security at 5.7 or less', () => {
    expect(systemdMissing, 'tools missing (apt-get install systemd)').toEqual([]);
    const unitFile = path.join(ROOT, 'systemd/xendoctor.service');
    const result = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=57', unitFile], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stdout).toMatch(/Overall exposure level for xendoctor\.service: (\d\.\d)/);
    expect(result.status, result.stdout.split('\n').slice(-3).join('\n')).toBe(0);
  });

  it('fails systemd-analyze verify where no xendoctor is installed (so the two above prove something)', () => {
    expect(systemdMissing, 'tools missing (apt-get install systemd)').toEqual([]);
    const root = systemdRoot(mkdtempSync(path.join(dir, 'root-')), {
      'etc/systemd/system/xendoctor.service': { text: unit, mode: 0o644 },
    });
    const result = verify(root);
    expect(result.stderr).toMatch(/Command xendoctor is not executable/);
    expect(result.status).not.toBe(0);
  });
});

const shellcheckMissing = missingTools(['shellcheck']);
describe.runIf(shouldRun(shellcheckMissing))('OpenRC script lint (system)', () => {
  it('passes shellcheck (script and conf.d)', () => {
    expect(shellcheckMissing, 'tools missing (apt-get install shellcheck)').toEqual([]);
    for (const args of [['openrc/xendoctor'], ['-s', 'sh', 'openrc/xendoctor.confd']]) {
      const result = spawnSync('shellcheck', args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
  });
});

const isRoot = process.getuid?.() === 0;
const openrcMissing = [
  ...missingTools(['openrc-run', 'unshare', 'supervise-daemon']),
  ...(existsSync('/lib/rc/sh/gendepends.sh') ? [] : ['/lib/rc/sh/gendepends.sh']),
  ...(isRoot ? [] : ['root']),
];
describe.runIf(shouldRun(openrcMissing))('openrc-run start/status/stop (system)', () => {
  // Inside a private mount namespace: the host's /etc/init.d and /usr/local/bin are replaced for the
  // namespace only.
  const inNamespace = (steps: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', steps], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH, ...env },
    });

  it('uses net (never needs it) and starts after the Xen daemons, as OpenRC reads depend()', () => {
    expect(openrcMissing, 'missing (apt-get install openrc; needs root for unshare)').toEqual([]);
    const initd = mkdtempSync(path.join(dir, 'init.d-'));
    copyFileSync(path.join(ROOT, 'openrc/xendoctor'), path.join(initd, 'xendoctor'));
    chmodSync(path.join(initd, 'xendoctor'), 0o755);
    // OpenRC's own dependency scanner (what rc-update and the deptree run), on a /etc/init.d of our own.
    const result = inNamespace(
      `mount --bind ${initd} /etc/init.d && /lib/rc/sh/gendepends.sh 3>&1 2>/dev/null`,
    );
    const ours = result.stdout.split('\n').filter((line) => line.startsWith('xendoctor '));
    expect(ours).toEqual(['xendoctor iuse net', 'xendoctor iafter xencommons xenstored xenconsoled']);
  });

  it('runs XENDOCTOR_COMMAND, else /usr/local/bin/xendoctor if present, else /usr/bin/xendoctor', () => {
    expect(openrcMissing, 'missing (apt-get install openrc; needs root for unshare)').toEqual([]);
    const withProgram = mkdtempSync(path.join(dir, 'local-bin-'));
    writeFileSync(path.join(withProgram, 'xendoctor'), '#!/bin/sh\n', { mode: 0o755 });
    const empty = mkdtempSync(path.join(dir, 'empty-'));
    const script = path.join(ROOT, 'openrc/xendoctor');
    const command = (localBin: string, env: NodeJS.ProcessEnv = {}) =>
      inNamespace(
        `mount --bind ${localBin} /usr/local/bin && RC_SVCNAME=xendoctor && . ${script} && echo "$command"`,
        env,
      ).stdout.trim();
    expect(command(withProgram)).toBe('/usr/local/bin/xendoctor');
    expect(command(empty)).toBe('/usr/bin/xendoctor');
    expect(command(withProgram, { XENDOCTOR_COMMAND: '/opt/xendoctor/dist/cli.js' })).toBe(
      '/opt/xendoctor/dist/cli.js',
    );
  });

  it('starts xendoctor, reports it started and healthy, and stops it', async () => {
    expect(openrcMissing, 'missing (apt-get install openrc; needs root for unshare)').toEqual([]);
    const name = `xendoctor-test-${process.pid}`;
    const port = await freePort();
    mkdirSync(path.join(dir, 'init.d'));
    mkdirSync(path.join(dir, 'conf.d'));
    const script = path.join(dir, 'init.d', name);
    copyFileSync(path.join(ROOT, 'openrc/xendoctor'), script);
    chmodSync(script, 0o755);
    const bin = path.join(dir, 'xendoctor-bin');
    writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    chmodSync(bin, 0o755);
    const log = path.join(dir, 'xendoctor.log');
    // openrc-run reads ../conf.d/<service name> next to the script, as /etc/conf.d for /etc/init.d.
    writeFileSync(
      path.join(dir, 'conf.d', name),
      [
        `XENDOCTOR_COMMAND="${bin}"`,
        `XENDOCTOR_LISTEN_ADDRESS="127.0.0.1:${port}"`,
        `XENDOCTOR_OPTS="--replay ${path.join(HOSTS, 'dom0-domu-credit2')} --interval 1"`,
        `XENDOCTOR_LOG="${log}"`,
        `XENDOCTOR_PIDFILE="${path.join(dir, 'xendoctor.pid')}"`,
        'supervisor="supervise-daemon"',
        '',
      ].join('\n'),
    );
    const healthz = `${process.execPath} -e "fetch('http://127.0.0.1:${port}/healthz').then(r => console.log('healthz=' + r.status), () => console.log('healthz=down'))"`;
    const states =
      'daemons deptree exclusive failed hotplugged inactive options scheduled started starting stopping tmp wasinactive';
    const steps = `
      mount -t tmpfs tmpfs /run/openrc || exit 90
      for d in ${states}; do mkdir -p /run/openrc/$d; done
      touch /run/openrc/softlevel
      ${script} --nodeps start; echo "start=$?"
      for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.5; ${healthz} | grep -q healthz=200 && break; done
      ${healthz}
      echo "pid=$(pgrep -f -- 'serve --web[.]listen-address=127[.]0[.]0[.]1:${port} ' | head -n 1)"
      ${script} --nodeps status; echo "status=$?"
      ${script} --nodeps stop; echo "stop=$?"
      ${script} --nodeps status; echo "stopped-status=$?"
      ${healthz}
    `;
    const result = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', steps], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = result.stdout + result.stderr;
    // Whatever happened, nothing of ours stays running: kill the daemon by the PID the script saw.
    const pid = Number(/^pid=(\d+)$/m.exec(out)?.[1]);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone: the expected case
      }
    }
    expect(out).toMatch(/^start=0$/m);
    expect(out).toMatch(/^healthz=200$/m);
    expect(out).toMatch(/status: started/);
    expect(out).toMatch(/^status=0$/m);
    expect(out).toMatch(/^stop=0$/m);
    expect(out).toMatch(/status: stopped/);
    expect(out).toMatch(/^stopped-status=3$/m);
    expect(out).toMatch(/^healthz=down$/m);
    const lines = readFileSync(log, 'utf8');
    expect(lines).toMatch(/"msg":"xendoctor serve started"/);
    expect(lines).toMatch(/"signal":"SIGTERM","msg":"stopping"/);
    expect(lines).toMatch(/"msg":"xendoctor serve stopped"/);
  }, 70_000);
});
