// The real daemon (dist/cli.js serve) on a fixture host, checked with promtool; and the rules' unit tests.
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { missingTools, ROOT, shouldRun, startServe, stopProcess } from './system-helpers.js';

const missing = missingTools(['promtool']);

describe.runIf(shouldRun(missing))('promtool (system)', () => {
  beforeAll(() => {
    expect(missing, 'tools missing (apt-get install prometheus)').toEqual([]);
  });

  it('accepts a real scrape of xendoctor serve, which stops cleanly on SIGTERM', async () => {
    const serve = await startServe('dom0-domu-credit2');
    try {
      const text = await (await fetch(`${serve.base}/metrics`)).text();
      expect(text).toContain('xendoctor_check_status{check="xen-hypervisor"} 0');
      expectPromtoolAccepts(text);
    } finally {
      expect(await stopProcess(serve)).toBe(0);
    }
    expect(serve.output()).toMatch(/"signal":"SIGTERM","msg":"stopping"/);
    expect(serve.output()).toMatch(/"msg":"xendoctor serve stopped"/);
  });

  it('accepts the textfile output of report --format prometheus', () => {
    const text = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'dist/cli.js'),
        '--replay',
        path.join(ROOT, 'test/fixtures/hosts/dom0-credit2'),
        '--format',
        'prometheus',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    ).stdout;
    expect(text).toContain('xendoctor_build_info');
    expectPromtoolAccepts(text);
  });

  it('passes the alerting rules unit tests', () => {
    const dir = path.join(ROOT, 'prometheus');
    execFileSync('promtool', ['check', 'rules', 'xendoctor.rules.yml'], { cwd: dir, timeout: 20_000 });
    const out = execFileSync('promtool', ['test', 'rules', 'xendoctor.rules.test.yml'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out).toContain('SUCCESS');
  });
});

/** `promtool check metrics` on an exposition: silent and exit 0 (it prints lint problems otherwise). */
function expectPromtoolAccepts(text: string): void {
  const check = spawnSync('promtool', ['check', 'metrics'], {
    input: text,
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(check.stdout + check.stderr).toBe('');
  expect(check.status).toBe(0);
}
