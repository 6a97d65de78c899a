// A fixture host copied (`cp -a`) or moved elsewhere replays the same (issue 17): --replay answers commands
// with the agent's own replayer, so commands/ links to replay.sh need not resolve, and no other link may lead
// out of the host folder (one that did would silently read nothing in the copy).
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../src/host/host.js';
import { probes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { HOSTS } from './helpers.js';

const copies = mkdtempSync(path.join(tmpdir(), 'xd-fixture-copies-'));
afterAll(() => rmSync(copies, { recursive: true, force: true }));

const hostNames = readdirSync(HOSTS).filter((name) => lstatSync(path.join(HOSTS, name)).isDirectory());

function linksUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => path.join(dir, rel))
    .filter((file) => lstatSync(file).isSymbolicLink());
}

// What depends on where the folder is (its path, timings) is left out of the comparison.
async function replayed(root: string): Promise<string> {
  const { document } = await runReport(createHost({ root, replay: root }), probes);
  return JSON.stringify(
    { ...document, host: { ...document.host, root: '' }, generatedAt: '' },
    (key, value) =>
      key === 'durationMs' ? 0 : typeof value === 'string' ? value.split(root).join('<root>') : value,
  );
}

describe('fixture hosts are self-contained', () => {
  it.each(hostNames)('%s: no link leads out of the host folder (but commands/ to the replayer)', (name) => {
    const root = path.join(HOSTS, name);
    const escaping = linksUnder(root).filter((link) => {
      const target = readlinkSync(link);
      if (path.isAbsolute(target)) return false; // resolved under the root by the host seam
      if (path.basename(path.dirname(link)) === 'commands' && target === '../../../replay.sh') return false;
      return path.relative(root, path.resolve(path.dirname(link), target)).startsWith('..');
    });
    expect(escaping.map((link) => path.relative(root, link))).toEqual([]);
  });

  it('through the CLI too: --replay of a copy answers the commands (none is "not found")', () => {
    const copy = path.join(copies, 'cli-copy');
    expect(spawnSync('cp', ['-a', path.join(HOSTS, 'dom0-credit2'), copy]).status).toBe(0);
    const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist/cli.js');
    const result = spawnSync(process.execPath, [cli, '--replay', copy, '--json'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });
    expect(result.stdout).not.toContain('not found');
    expect(JSON.parse(result.stdout)).toMatchObject({ exitCode: 0, summary: { error: 0 } });
  });

  it.each(hostNames)('%s: a cp -a copy elsewhere replays the same report', async (name) => {
    const copy = path.join(copies, name);
    expect(spawnSync('cp', ['-a', path.join(HOSTS, name), copy]).status).toBe(0);
    const [original, copied] = await Promise.all([replayed(path.join(HOSTS, name)), replayed(copy)]);
    expect(copied).toBe(original);
  });
});
