import fc from 'fast-check';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, defaultSearchPath, HostFileError, SBIN_DIRS, underRoot } from '../src/host/host.js';

// A tiny host made here: a root with a file, and a bin/ of scripts that misbehave on purpose.
let root: string;
let bin: string;
const script = (name: string, body: string) => {
  const file = path.join(bin, name);
  writeFileSync(file, `#!/bin/sh\nPATH=/usr/bin:/bin\n${body}\n`);
  chmodSync(file, 0o755);
};

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'xd-host-'));
  bin = path.join(root, 'bin');
  mkdirSync(path.join(root, 'proc/xen'), { recursive: true });
  mkdirSync(bin);
  writeFileSync(path.join(root, 'proc/xen/capabilities'), 'control_d\n');
  script('echo-env', 'echo "LC_ALL=$LC_ALL LANG=$LANG"; echo "args:$*"; echo oops >&2; exit 3');
  script('sleeper', 'sleep 600');
  script('stubborn', "trap '' TERM; sleep 600 & wait; sleep 600");
  script('flood', 'head -c 5000000 /dev/zero');
  writeFileSync(path.join(bin, 'not-executable'), 'echo no');
});

afterAll(() => {
  chmodSync(bin, 0o755);
});

describe('files under the root', () => {
  it('reads a file under the root by its host path', async () => {
    const host = createHost({ root });
    expect(await host.readFile('/proc/xen/capabilities')).toBe('control_d\n');
  });
  it('tells a missing file apart from an error', async () => {
    const host = createHost({ root });
    expect(await host.readFileIfExists('/proc/xen/nope')).toBeUndefined();
    expect(await host.readFileIfExists('/proc/xen/capabilities/child')).toBeUndefined();
    await expect(host.readFile('/proc/xen/nope')).rejects.toMatchObject({
      code: 'ENOENT',
      file: '/proc/xen/nope',
    });
    await expect(host.readFile('/proc/xen')).rejects.toBeInstanceOf(HostFileError);
  });
  it('never leaves the root, whatever the path says', async () => {
    const host = createHost({ root });
    // normalised against "/" first, so ".." cannot climb out of the root
    expect(await host.readFile('/../../proc/xen/capabilities')).toBe('control_d\n');
    expect(await host.exists('/../bin')).toBe(true);
  });
  it('resolves a path in normal form without path.join, to the very path path.join gives', () => {
    const segment = fc.constantFrom('proc', 'xen', 'vif1.0', '.', '..', '', '...', '.hidden', 'a b');
    const file = fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('/'));
    const rooted = fc.tuple(fc.boolean(), file).map(([slash, rest]) => (slash ? `/${rest}` : rest));
    fc.assert(
      fc.property(fc.constantFrom('/', '/srv/host', '/h'), rooted, (top, given) => {
        expect(underRoot(top, given)).toBe(path.join(top, path.posix.normalize(`/${given}`)));
      }),
    );
    expect(underRoot('/srv/host', '/sys/class/net/vif1.0/statistics/rx_bytes')).toBe(
      '/srv/host/sys/class/net/vif1.0/statistics/rx_bytes',
    );
  });
  it('lists directories sorted and says undefined for a missing one', async () => {
    const host = createHost({ root });
    expect(await host.listDir('/proc')).toEqual(['xen']);
    expect(await host.listDir('/sys')).toBeUndefined();
  });
});

describe('commands on the path', () => {
  it('runs without a shell, with LC_ALL=C, and reports exit code and both streams', async () => {
    const host = createHost({ root, path: [bin] });
    const result = await host.run(['echo-env', 'a b', '$HOME;']);
    expect(result).toMatchObject({ exitCode: 3, failed: true, timedOut: false, notFound: false });
    expect(result.stdout).toBe('LC_ALL=C LANG=C\nargs:a b $HOME;\n');
    expect(result.stderr).toBe('oops\n');
    expect(result.command).toBe('echo-env a b $HOME;');
  });
  it('reports a missing command as notFound, never a throw', async () => {
    const host = createHost({ root, path: [bin] });
    const result = await host.run(['xen-diag', 'gnttab_query_size', '0']);
    expect(result).toMatchObject({
      notFound: true,
      failed: true,
      exitCode: null,
      stderr: 'xen-diag not found',
    });
    expect(await host.which('not-executable')).toBeUndefined();
    expect(await host.which('../bin/echo-env')).toBeUndefined();
  });
  it('kills a hanging command at the timeout', async () => {
    const host = createHost({ root, path: [bin], timeoutMs: 200, killGraceMs: 200 });
    // Ended by the signal, not waited out: the 600 s sleep outlasts vitest's test timeout.
    const result = await host.run(['sleeper']);
    expect(result).toMatchObject({ timedOut: true, failed: true, signal: 'SIGTERM', stuck: false });
  });
  it('escalates to SIGKILL for a command that ignores SIGTERM, children included', async () => {
    const host = createHost({ root, path: [bin], timeoutMs: 200, killGraceMs: 200 });
    const result = await host.run(['stubborn']);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', stuck: false });
  });
  it('keeps reading after the command exits while output still arrives (a child holds the pipe)', async () => {
    // The shell exits at once; its background child writes for another ~0.5 s. A fixed grace after exit
    // would drop the late lines (seen on a starved dom0 where xl's output arrived after the grace).
    const host = createHost({ root, path: ['/usr/bin', '/bin'], killGraceMs: 250 });
    const result = await host.run(['sh', '-c', '(for i in 1 2 3 4 5; do echo $i; sleep 0.1; done) & exit 0']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('1\n2\n3\n4\n5\n');
  });
  it('stops reading a flood of output at the limit', async () => {
    const host = createHost({ root, path: [bin], maxOutputBytes: 100_000 });
    const result = await host.run(['flood']);
    expect(result.failed).toBe(true);
    expect(result.stdout.length).toBeLessThanOrEqual(100_000);
    expect(result.stderr).toContain('output limit');
  });
  it('bounds how many commands run at once', async () => {
    const host = createHost({ root, path: ['/usr/bin', '/bin'], maxConcurrent: 2 });
    // Each records its start and end; with 2 slots no three intervals may overlap.
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => host.run(['sh', '-c', 'date +%s%N; sleep 0.1; date +%s%N'])),
    );
    const spans = runs.map((r) => r.stdout.trim().split('\n').map(Number) as [number, number]);
    for (const [start] of spans) {
      const overlapping = spans.filter(([s, e]) => s <= start && start < e).length;
      expect(overlapping).toBeLessThanOrEqual(2);
    }
  });
});

describe('the default search path (cron runs with PATH=/usr/bin:/bin; Debian has /usr/sbin/xl)', () => {
  it('appends /usr/local/sbin, /usr/sbin and /sbin to $PATH, once each, $PATH first', () => {
    expect(defaultSearchPath('/usr/bin:/bin')).toEqual([
      '/usr/bin',
      '/bin',
      '/usr/local/sbin',
      '/usr/sbin',
      '/sbin',
    ]);
    expect(defaultSearchPath('/usr/sbin:/usr/bin')).toEqual([
      '/usr/sbin',
      '/usr/bin',
      '/usr/local/sbin',
      '/sbin',
    ]);
    expect(defaultSearchPath(undefined)).toEqual(['/usr/bin', '/bin', ...SBIN_DIRS]);
  });

  it('says where a command is when an explicit search path misses it (real root only)', async () => {
    // Any executable this machine has in an sbin directory will do.
    const dir = SBIN_DIRS.find((d) => existsSync(d) && readdirSync(d).length > 0);
    const name =
      dir &&
      readdirSync(dir).find((n) => {
        const s = statSync(path.join(dir, n), { throwIfNoEntry: false });
        return s?.isFile() && (s.mode & 0o111) !== 0;
      });
    if (!dir || !name) return; // a machine without an sbin tool has nothing to point at
    const result = await createHost({ path: ['/nonexistent-bin'] }).run([name]);
    expect(result).toMatchObject({ notFound: true, searchedPath: '/nonexistent-bin' });
    expect(SBIN_DIRS).toContain(result.foundElsewhere);
    // A replayed host's commands are not the runner's: no hint there.
    const replayed = await createHost({ root: tmpdir(), path: ['/nonexistent-bin'] }).run([name]);
    expect(replayed.foundElsewhere).toBeUndefined();
  });
});
