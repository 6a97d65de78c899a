// Issue 12, item 6: `--replay DIR` answers commands with the agent's own replayer. A capture from a bug
// report is a stranger's data: its replay.sh and commands/ entries never run.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { createHost } from '../src/host/host.js';
import { hostFlags, hostOptionsFrom } from '../src/host-flags.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A capture whose replay.sh and commands/xl would leave a mark if anything ran them. */
function hostileCapture(): { dir: string; mark: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-capture-'));
  made.push(dir);
  const mark = path.join(dir, 'ran');
  const evil = `#!/bin/sh\ntouch '${mark}'\necho "host : evil"\n`;
  writeFileSync(path.join(dir, 'replay.sh'), evil);
  chmodSync(path.join(dir, 'replay.sh'), 0o755);
  mkdirSync(path.join(dir, 'commands/replies'), { recursive: true });
  writeFileSync(path.join(dir, 'commands/xl'), evil);
  chmodSync(path.join(dir, 'commands/xl'), 0o755);
  symlinkSync('../replay.sh', path.join(dir, 'commands/xen-diag'));
  const replies = path.join(dir, 'commands/replies');
  writeFileSync(path.join(replies, 'xl info.stdout'), 'host : captured\n');
  writeFileSync(path.join(replies, 'xl list.stdout'), 'partial\n');
  writeFileSync(path.join(replies, 'xl list.stderr'), 'libxl: error\n');
  writeFileSync(path.join(replies, 'xl list.rc'), '3\n');
  writeFileSync(path.join(replies, 'xen-diag gnttab_query_size 0.stdout'), '');
  writeFileSync(path.join(replies, 'xen-diag gnttab_query_size 0.signal'), 'KILL\n');
  writeFileSync(path.join(replies, 'xl dmesg.stdout'), '');
  writeFileSync(path.join(replies, 'xl dmesg.sleep'), '3600\n');
  symlinkSync('/etc/shadow', path.join(replies, 'xl uptime.stdout'));
  return { dir, mark };
}

const replayHost = (dir: string, timeout = '1') =>
  createHost(hostOptionsFrom(parseArgs(['--replay', dir, '--timeout', timeout], hostFlags), {}));

describe('--replay', () => {
  it('answers from the reply files and runs nothing from the capture', async () => {
    const { dir, mark } = hostileCapture();
    const host = replayHost(dir);
    const info = await host.run(['xl', 'info']);
    expect(info).toMatchObject({ exitCode: 0, stdout: 'host : captured\n', failed: false });
    expect(await host.run(['xl', 'list'])).toMatchObject({
      exitCode: 3,
      stderr: 'libxl: error\n',
      failed: true,
    });
    expect(await host.run(['xen-diag', 'gnttab_query_size', '0'])).toMatchObject({
      exitCode: null,
      signal: 'SIGKILL',
      failed: true,
    });
    const never = await host.run(['xl', 'vcpu-list']);
    expect(never).toMatchObject({ exitCode: 99, stderr: 'replay: no capture for: xl vcpu-list\n' });
    expect((await host.run(['ethtool', '-k', 'eth0'])).notFound).toBe(true);
    expect(existsSync(mark)).toBe(false);
  });

  // The command line resolves --replay through the config loader (one config for every face): that path
  // must reach the replayer too, not put the capture's commands/ on the search path.
  it.each([['report'], ['fix'], ['capture']])(
    'runs nothing from the capture through the CLI: %s',
    (command) => {
      const { dir, mark } = hostileCapture();
      const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist/cli.js');
      const out = path.join(dir, 'out');
      const extra = command === 'capture' ? ['--out', out] : [];
      const result = spawnSync(
        process.execPath,
        [cli, command, '--replay', dir, '--timeout', '0.5', ...extra],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '' },
          timeout: 60_000,
        },
      );
      expect(result.stderr).not.toMatch(/internal error|TypeError/);
      expect(existsSync(mark)).toBe(false);
    },
  );

  it('does not follow a reply that is a link out of the capture', async () => {
    const { dir } = hostileCapture();
    const uptime = await replayHost(dir).run(['xl', 'uptime']);
    expect(uptime.exitCode).toBe(99);
    expect(uptime.stdout).toBe('');
  });

  it('replays a command that hung as one that times out', async () => {
    const { dir } = hostileCapture();
    const dmesg = await replayHost(dir, '0.1').run(['xl', 'dmesg']);
    expect(dmesg).toMatchObject({ timedOut: true, failed: true, exitCode: null });
  });

  it('cannot be combined with --root or --path, and sets no command path', () => {
    const { dir } = hostileCapture();
    const options = hostOptionsFrom(parseArgs(['--replay', dir], hostFlags), {});
    expect(options).toMatchObject({ root: dir, replay: dir });
    expect(options.path).toBeUndefined();
    expect(() => hostOptionsFrom(parseArgs(['--replay', '/a', '--path', '/b'], hostFlags), {})).toThrow(
      /cannot be combined/,
    );
  });
});
