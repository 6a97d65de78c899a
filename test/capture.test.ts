// xendoctor capture: what a host showed the checks, written as a folder that replays to the same report.
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture, captureCommand } from '../src/capture/capture-command.js';
import { recordingHost } from '../src/capture/recording-host.js';
import { Redactor } from '../src/capture/redact.js';
import { replyKey } from '../src/capture/replay-script.js';
import { hostTypeOf, planCapture, writeCapture } from '../src/capture/write-capture.js';
import { createHost, type Host } from '../src/host/host.js';
import { probes } from '../src/probes/index.js';
import type { ReportDocument } from '../src/report/document.js';
import { runReport } from '../src/report/run.js';
import { fixtureHost, HOSTS } from './helpers.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'xd-capture-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
const freshDir = (label: string) => path.join(scratch, `${label}-${++counter}`);

const replayHost = (dir: string): Host => createHost({ root: dir, path: [path.join(dir, 'commands')] });

// What may differ between two runs of the same host: the clock, timings, and where the host folder is.
function normalise(doc: ReportDocument): ReportDocument {
  const root = doc.host.root;
  const text = JSON.stringify({ ...doc, generatedAt: '', host: { ...doc.host, root: '<root>' } });
  const relocated = JSON.parse(text.split(root).join('<root>')) as ReportDocument;
  return { ...relocated, checks: relocated.checks.map((c) => ({ ...c, durationMs: 0 })) };
}

/** Every file's text in a folder, by relative path (links by their target). */
function walk(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) out.set(path.relative(base, full), `-> ${readlinkSync(full)}`);
    else if (stat.isDirectory()) walk(full, base, out);
    else out.set(path.relative(base, full), readFileSync(full, 'latin1'));
  }
  return out;
}

const hosts = readdirSync(HOSTS);

describe('capture round trip: capture a host, replay the capture, get the same report', () => {
  it.each(hosts)('%s', async (name) => {
    const out = freshDir(name);
    const { document } = await capture(fixtureHost(name), out);
    const replayed = (await runReport(replayHost(out), probes)).document;
    expect(normalise(replayed)).toEqual(normalise(document));
    // The capture carries its own replayer: the links point inside the folder, not at the repository.
    for (const name of readdirSync(path.join(out, 'commands')).filter((n) => n !== 'replies')) {
      expect(readlinkSync(path.join(out, 'commands', name))).toBe('../replay.sh');
    }
    expect(lstatSync(path.join(out, 'replay.sh')).mode & 0o111).not.toBe(0);
    // REPORT.json is the report the host gave at capture time.
    expect(JSON.parse(readFileSync(path.join(out, 'REPORT.json'), 'utf8'))).toEqual(document);
  });
});

describe('what the recording keeps and how replay gives it back', () => {
  // A small host made here, with files, links, and commands that fail in every way a real one can.
  const root = freshDir('made');
  const bin = path.join(root, 'bin');
  const script = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\nPATH=/usr/bin:/bin\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  mkdirSync(path.join(root, 'sys/class/net/xenbr0/brif'), { recursive: true });
  mkdirSync(path.join(root, 'sys/devices/virtual/net/vif1.0'), { recursive: true });
  mkdirSync(bin);
  writeFileSync(path.join(root, 'sys/class/net/xenbr0/operstate'), 'up\n');
  writeFileSync(path.join(root, 'sys/class/net/xenbr0/address'), '52:54:00:12:34:56\n');
  writeFileSync(path.join(root, 'buildid'), Buffer.from([0x00, 0xff, 0x10, 0x80]));
  symlinkSync('../../devices/virtual/net/vif1.0', path.join(root, 'sys/class/net/vif1.0'));
  symlinkSync('../../vif1.0/brport', path.join(root, 'sys/class/net/xenbr0/brif/vif1.0'));
  script('tool', 'case "$1" in ok) echo fine;; fail) echo half; echo broken >&2; exit 3;; esac');
  script('slow', 'sleep 30');
  script('killed', 'kill -TERM $$');
  script('reader', 'echo "read $*"');

  it('replays files, listings, links, errors and every kind of command result', async () => {
    const real = createHost({ root, path: [bin], timeoutMs: 500, killGraceMs: 200 });
    const { host, recording } = recordingHost(real);
    const calls = async (h: Host) => ({
      operstate: await h.readFile('/sys/class/net/xenbr0/operstate'),
      buildid: (await h.readFileBytes('/buildid')).toString('hex'),
      missing: await h.readFileIfExists('/proc/xen/capabilities'),
      isDir: await h
        .readFile('/sys/class/net')
        .catch((e: { code: string }) => `error ${e.code === 'ENOENT'}`),
      net: await h.listDir('/sys/class/net'),
      brif: await h.listDir('/sys/class/net/xenbr0/brif'),
      link: await h.readLink('/sys/class/net/xenbr0/brif/vif1.0'),
      noDir: await h.listDir('/nope'),
      exists: [await h.exists('/sys/class/net/vif1.0'), await h.exists('/etc/inittab')],
      which: [await h.which('tool'), await h.which('absent')].map((w) => w && path.basename(w)),
      ok: pick(await h.run(['tool', 'ok'])),
      fail: pick(await h.run(['tool', 'fail'])),
      slash: pick(await h.run(['reader', '/local/domain/0/name', '50%'])),
      slow: pick(await h.run(['slow'])),
      killed: pick(await h.run(['killed'])),
      absent: pick(await h.run(['absent', 'x'])),
    });
    const pick = (r: Awaited<ReturnType<Host['run']>>) => ({
      stdout: r.stdout,
      stderr: r.stderr,
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: r.timedOut,
      notFound: r.notFound,
    });
    const seen = await calls(host);
    expect(seen.slow.timedOut).toBe(true);
    expect(seen.killed.signal).toBe('SIGTERM');

    const out = freshDir('made-capture');
    const plan = await planCapture(recording, hostTypeOf(real));
    await writeCapture(out, plan, { capturedMd: '', reportJson: '{}' });
    const replay = createHost({
      root: out,
      path: [path.join(out, 'commands')],
      timeoutMs: 500,
      killGraceMs: 200,
    });
    expect(await calls(replay)).toEqual(seen);
    // A listed, never-read link target is an empty stand-in; the hang and the slash are on file.
    expect(plan.replies.get(`${replyKey(['slow'])}.sleep`)?.toString()).toBe('3600\n');
    expect([...plan.replies.keys()]).toContain('reader %2Flocal%2Fdomain%2F0%2Fname 50%25.stdout');
    expect(plan.notes.join('\n')).toContain('`slow`: timed out on the host');
  });
});

describe('--redact', () => {
  const MAC = /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi;
  const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
  const kept = new Set(['00:00:00:00:00:00', 'fe:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff']);
  const identifying = (files: Map<string, string>) => {
    const found = new Set<string>();
    for (const text of files.values()) {
      for (const m of text.match(MAC) ?? []) if (!kept.has(m.toLowerCase())) found.add(m.toLowerCase());
      for (const u of text.match(UUID) ?? []) if (!/^[0-]+$/.test(u)) found.add(u.toLowerCase());
    }
    return found;
  };

  it.each(['dom0-domu-credit2', 'xenconsoled-stopped'])(
    'leaves no host name, MAC or UUID of %s, and replays to the same verdicts',
    async (name) => {
      const plain = freshDir(`${name}-plain`);
      const redacted = freshDir(`${name}-redacted`);
      const original = await capture(fixtureHost(name), plain);
      await capture(fixtureHost(name), redacted, { redact: true });
      const before = walk(plain);
      const after = walk(redacted);
      const secrets = identifying(before);
      const hostname = original.document.host.hostname ?? '';
      expect(hostname).not.toBe('');
      expect([...before.values()].some((t) => t.includes(hostname))).toBe(true);
      for (const [file, text] of after) {
        expect(text.includes(hostname), `${file} names the host`).toBe(false);
        for (const secret of secrets)
          expect(text.toLowerCase().includes(secret), `${file}: ${secret}`).toBe(false);
      }
      const replayed = (await runReport(replayHost(redacted), probes)).document;
      const verdicts = (doc: ReportDocument) => doc.checks.map((c) => [c.id, c.status]);
      expect(verdicts(replayed)).toEqual(verdicts(original.document));
      expect(replayed.host.hostname).toBe('redacted-host1');
    },
  );

  it('replaces each value by the same stand-in everywhere and keeps what identifies nothing', () => {
    const r = new Redactor(['xen1.example.org', 'xen1']);
    const text = r.text(
      'host xen1.example.org (xen1) mac 00:16:3E:54:E9:11 vif fe:ff:ff:ff:ff:ff\n' +
        'again 00:16:3e:54:e9:11 other 52:54:00:aa:bb:cc uuid d1e78393-c25d-4b9a-957c-3c39fbdde65d\n' +
        'dom0 00000000-0000-0000-0000-000000000000 D1E78393-C25D-4B9A-957C-3C39FBDDE65D xen10 notxen1',
    );
    expect(text).toBe(
      'host redacted-host1.redacted.invalid (redacted-host1) mac 00:16:3e:00:00:01 vif fe:ff:ff:ff:ff:ff\n' +
        'again 00:16:3e:00:00:01 other 52:54:00:00:00:02 uuid 00000000-0000-4000-8000-000000000001\n' +
        'dom0 00000000-0000-0000-0000-000000000000 00000000-0000-4000-8000-000000000001 xen10 notxen1',
    );
    expect(r.bytes(Buffer.from([0, 1, 2]))).toEqual(Buffer.from([0, 1, 2]));
    expect(new Redactor(['localhost']).text('localhost')).toBe('localhost');
  });
});

describe('xendoctor capture (the command)', () => {
  it('writes a capture and says how to replay it and what it contains', async () => {
    const out = freshDir('cli');
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write;
    try {
      expect(await captureCommand(['--out', out, '--replay', path.join(HOSTS, 'no-xen')])).toBe(0);
    } finally {
      process.stdout.write = original;
    }
    expect(written.join('')).toContain(`replay it with: xendoctor --replay ${out}`);
    expect(written.join('')).toContain('MAC addresses');
    expect(readFileSync(path.join(out, 'CAPTURED.md'), 'utf8')).toContain('NOT redacted');
  });

  it.each([
    [[], /capture needs --out DIR/],
    [['--out'], /--out needs a value/],
    [['--out', HOSTS], /is not empty/],
    [['--out', '/tmp/x', 'extra'], /unexpected argument "extra"/],
    [['--out', '/tmp/x', '--replay', HOSTS, '--root', '/'], /cannot be combined/],
  ])('refuses %j', async (argv, message) => {
    await expect(captureCommand(argv)).rejects.toThrow(message);
  });
});
