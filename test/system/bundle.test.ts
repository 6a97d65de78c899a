// What ships is dist/ alone (scripts/bundle.mjs): it must run from a copy with no node_modules anywhere above
// it, including the chunks loaded on demand (serve, the web config's yaml, bcryptjs for basic auth).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, HOSTS, ROOT, startServe, stopProcess } from './system-helpers.js';

const DIST = path.join(ROOT, 'dist');
const copy = mkdtempSync(path.join(tmpdir(), 'xendoctor-bundle-'));
cpSync(DIST, path.join(copy, 'dist'), { recursive: true });
const COPIED_CLI = path.join(copy, 'dist/cli.js');

afterAll(() => rmSync(copy, { recursive: true, force: true }));

function run(cli: string, args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the bundle in dist/', () => {
  it('imports nothing but its own files and node: built-ins', () => {
    const specifiers = readdirSync(DIST)
      .filter((file) => file.endsWith('.js'))
      .flatMap((file) => {
        const text = readFileSync(path.join(DIST, file), 'utf8');
        // Static imports start a line; dynamic ones are import("..."). (Comments quote imports too.)
        const statics = text.matchAll(/^import\b[^;]*?["']([^"']+)["'];?$/gm);
        const dynamics = text.matchAll(/\bimport\(["']([^"']+)["']\)/g);
        return [...statics, ...dynamics].map((match) => match[1] as string);
      });
    expect(specifiers).toContain('node:child_process');
    expect(specifiers.some((s) => s.startsWith('./serve-command'))).toBe(true);
    const outside = specifiers.filter(
      (s) => !s.startsWith('./') && !builtinModules.includes(s.replace(/^node:/, '')),
    );
    expect(outside).toEqual([]);
  });

  it('reports from a copy with no node_modules exactly as from the repository', () => {
    const args = ['--json', '--replay', path.join(HOSTS, 'dom0-domu-credit2')];
    const here = run(CLI, args);
    const there = run(COPIED_CLI, args);
    expect(there.stderr).toBe('');
    expect(there.code).toBe(here.code);
    // Everything but the clock: when it ran and how long each check took.
    const strip = (text: string) =>
      JSON.parse(text, (key, value) => (key === 'generatedAt' || key === 'durationMs' ? 0 : value));
    expect(strip(there.stdout)).toEqual(strip(here.stdout));
  });

  it('serves with a web config (yaml) and basic auth (bcryptjs) from the copy', async () => {
    const webConfig = path.join(copy, 'web.yml');
    writeFileSync(webConfig, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync('s3cret', 4)}\n`);
    const authorization = `Basic ${Buffer.from('prometheus:s3cret').toString('base64')}`;
    const serve = await startServe('dom0-domu-credit2', ['--web.config.file', webConfig], {
      cli: COPIED_CLI,
      headers: { authorization },
    });
    try {
      expect((await fetch(`${serve.base}/metrics`)).status).toBe(401);
      const response = await fetch(`${serve.base}/metrics`, { headers: { authorization } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('xendoctor_check_status');
    } finally {
      await stopProcess(serve);
    }
  });

  it("keeps the daemon's packages (prom-client, pino, node-cron) inside the bundle and off the report path", () => {
    const text = (file: string) => readFileSync(path.join(DIST, file), 'utf8');
    const staticImports = (file: string) =>
      [...text(file).matchAll(/^import\b[^;]*?["']\.\/([^"']+)["'];?$/gm)].map((m) => m[1] as string);
    // What `xendoctor` (the one-shot report) loads before it decides to load anything else.
    const reportPath = new Set<string>(['cli.js']);
    for (const file of reportPath) for (const next of staticImports(file)) reportPath.add(next);
    const files = readdirSync(DIST).filter((file) => file.endsWith('.js'));
    for (const name of ['prom-client', 'pino', 'node-cron']) {
      const marker = `node_modules/${name}/`;
      // Bundled (rolldown names each inlined module's path in a comment)...
      expect(files.some((file) => text(file).includes(marker))).toBe(true);
      // ...in chunks the report never loads.
      for (const file of reportPath) expect(text(file)).not.toContain(marker);
    }
  });

  it('serves prom-client metrics as Prometheus asks for them and logs logfmt, from the copy', async () => {
    const serve = await startServe('dom0-domu-credit2', ['--log.format=logfmt'], { cli: COPIED_CLI });
    try {
      const response = await fetch(`${serve.base}/metrics`, {
        headers: {
          accept:
            'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
        },
      });
      expect(response.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
      const body = await response.text();
      expect(body).toMatch(/^process_resident_memory_bytes \d+$/m);
      expect(body).toMatch(/^# TYPE process_cpu_seconds counter$/m);
      expect(body).not.toMatch(/nodejs_/);
      // fetch asks for gzip as Prometheus does, and decoded what the daemon sent.
      expect(response.headers.get('content-encoding')).toBe('gzip');
      expect(response.headers.get('vary')).toBe('Accept, Accept-Encoding');
      expect(body.endsWith('\n# EOF\n')).toBe(true);
    } finally {
      await stopProcess(serve);
    }
    expect(serve.output()).toMatch(
      /^time=\S+ level=info msg="xendoctor serve started" address=127\.0\.0\.1:\d+/m,
    );
    expect(serve.output()).toMatch(/^time=\S+ level=info msg=stopping signal=SIGTERM$/m);
  });
});
