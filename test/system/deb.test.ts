// The Debian package as an admin gets it: built by scripts/package-deb.mjs (npm run package:deb) with
// dpkg-deb, checked by lintian (no errors), unpacked into a temporary root with dpkg -x, its launcher run
// there, and its systemd unit verified as installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOSTS, missingTools, ROOT, shouldRun, systemdRoot } from './system-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-deb-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
const deb = path.join(dir, `xendoctor_${version}_all.deb`);
const root = path.join(dir, 'root');

const run = (command: string, args: string[]) =>
  spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });

const missing = missingTools(['dpkg-deb', 'lintian', 'systemd-analyze']);
describe.runIf(shouldRun(missing))('Debian package (system)', () => {
  it('builds xendoctor_<version>_all.deb with dpkg-deb', () => {
    expect(missing, 'tools missing (apt-get install dpkg-dev lintian systemd)').toEqual([]);
    // dist/ is fresh: vitest's global setup ran npm run build.
    const built = run(process.execPath, [path.join(ROOT, 'scripts/package-deb.mjs'), dir]);
    expect(built.stderr).toBe('');
    expect(built.stdout.trim()).toBe(deb);
    const info = run('dpkg-deb', ['--field', deb, 'Package', 'Version', 'Architecture', 'Depends']);
    expect(info.stdout).toBe(
      `Package: xendoctor\nVersion: ${version}\nArchitecture: all\nDepends: nodejs (>= 20)\n`,
    );
    const conffiles = run('dpkg-deb', ['--info', deb, 'conffiles']).stdout.split('\n').filter(Boolean);
    expect(conffiles.sort()).toEqual(['/etc/default/xendoctor', '/etc/xendoctor/config.json']);
    const listing = run('dpkg-deb', ['--contents', deb]).stdout;
    for (const file of [
      './usr/bin/xendoctor',
      './usr/lib/xendoctor/cli.js',
      './usr/lib/xendoctor/THIRD-PARTY-LICENSES.txt',
      './lib/systemd/system/xendoctor.service',
      './usr/share/xendoctor/openrc/xendoctor',
      './usr/share/xendoctor/openrc/xendoctor.confd',
      './usr/share/doc/xendoctor/copyright',
      './usr/share/bash-completion/completions/xendoctor',
      './usr/share/zsh/vendor-completions/_xendoctor',
    ]) {
      expect(listing).toContain(` ${file}\n`);
    }
    expect(listing).toMatch(/^-rwxr-xr-x root\/root .* \.\/usr\/bin\/xendoctor$/m);
  }, 120_000);

  it('has no lintian errors', () => {
    expect(missing, 'tools missing (apt-get install dpkg-dev lintian systemd)').toEqual([]);
    const result = run('lintian', ['--fail-on', 'error', deb]);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('E: '))).toEqual([]);
    expect(result.status).toBe(0);
  }, 180_000);

  it('runs from a root it was unpacked into (dpkg -x): the launcher, the bundle, the unit', () => {
    expect(missing, 'tools missing (apt-get install dpkg-dev lintian systemd)').toEqual([]);
    expect(run('dpkg', ['-x', deb, root]).status).toBe(0);
    // The launcher execs /usr/bin/node on /usr/lib/xendoctor/cli.js: run it with both paths moved into the
    // root (this machine's node, the package's bundle).
    const launcher = readFileSync(path.join(root, 'usr/bin/xendoctor'), 'utf8');
    expect(launcher).toContain('exec /usr/bin/node /usr/lib/xendoctor/cli.js "$@"');
    const relocated = launcher
      .replace('/usr/bin/node', process.execPath)
      .replace('/usr/lib/xendoctor/', `${root}/usr/lib/xendoctor/`);
    const report = spawnSync(
      'sh',
      ['-c', relocated, 'xendoctor', '--json', '--replay', path.join(HOSTS, 'dom0-domu-credit2')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(report.stderr).toBe('');
    const checks = (JSON.parse(report.stdout) as { checks: { id: string }[] }).checks;
    expect(checks.map((check) => check.id)).toContain('grant-tables');
    // The unit as the package installs it, with the package's /usr/bin/xendoctor.
    systemdRoot(root, {});
    const verify = run('systemd-analyze', [
      'verify',
      `--root=${root}`,
      '/lib/systemd/system/xendoctor.service',
    ]);
    expect(verify.stderr + verify.stdout).toBe('');
    expect(verify.status).toBe(0);
  }, 120_000);
});
