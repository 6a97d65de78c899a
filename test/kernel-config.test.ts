import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Context } from '../src/context.js';
import { createHost } from '../src/host/host.js';
import { isEnabled, parseKernelConfig } from '../src/parsers/kernel-config.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { DOM0_OPTIONS, kernelConfig, missingDom0Options } from '../src/probes/kernel-config.js';
import { runProbe } from '../src/runner.js';
import { FIXTURES, runOn } from './helpers.js';

const REAL = readFileSync(path.join(FIXTURES, 'kernel', 'config-6.1.0-56-amd64'), 'utf8');

describe('parseKernelConfig', () => {
  it('reads the real Debian config: y, m and "is not set"', () => {
    const config = parseKernelConfig(REAL);
    expect(config.get('XEN_DOM0')).toBe('y');
    expect(config.get('XENFS')).toBe('m');
    expect(config.get('BRIDGE')).toBe('m');
    expect(config.get('IKCONFIG')).toBe('n');
    expect(config.get('CC_VERSION_TEXT')).toBe('"gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0"');
    expect(isEnabled(config, 'XENFS')).toBe(true);
    expect(isEnabled(config, 'IKCONFIG')).toBe(false);
    expect(isEnabled(config, 'NO_SUCH_OPTION')).toBe(false);
  });
  it('throws ParseError on empty, garbage and truncated input', () => {
    expect(() => parseKernelConfig('')).toThrow(ParseError);
    expect(() => parseKernelConfig('#\n# only comments\n')).toThrow(ParseError);
    expect(() => parseKernelConfig('\u0000\uffff garbage\r\n')).toThrow(ParseError);
    expect(() => parseKernelConfig('CONFIG_XEN_DOM0=y\nCONFIG_XEN_DO')).toThrow(/CONFIG_NAME=value/);
  });
});

describe('dom0 options', () => {
  it('are all present in the real Debian config', () => {
    expect(missingDom0Options(parseKernelConfig(REAL))).toEqual([]);
  });
  it('make XEN_DOM0 and XENFS fail, BRIDGE only warn', () => {
    const severity = Object.fromEntries(DOM0_OPTIONS.map((o) => [o.name, o.severity]));
    expect(severity).toMatchObject({ XEN_DOM0: 'fail', XENFS: 'fail', BRIDGE: 'warn' });
    expect(DOM0_OPTIONS).toHaveLength(10);
  });
});

describe('kernel-config', () => {
  it('is ok from /boot/config-<release> on the real captures (Debian has no /proc/config.gz)', async () => {
    for (const host of ['dom0-credit2', 'no-xen']) {
      const result = await runOn(host, kernelConfig);
      expect(result.status, host).toBe('ok');
      expect(result.evidence[0]).toBe('/boot/config-6.1.0-56-amd64: read');
      expect(result.evidence).toContain('CONFIG_XEN_DOM0=y');
      expect(result.evidence).toContain('CONFIG_BRIDGE=m');
    }
  });
  it('prefers /proc/config.gz and reports what it lacks, fail before warn', async () => {
    const result = await runOn('made-up-config-gz', kernelConfig);
    expect(result.status).toBe('fail');
    expect(result.evidence[0]).toBe('/proc/config.gz: read');
    expect(result.findings).toEqual([
      expect.objectContaining({ code: 'missing-config-xen-compat-xenfs', severity: 'fail' }),
      // No guest with a vif can start: fail, not warn (issue 16).
      expect.objectContaining({ code: 'missing-config-xen-netdev-backend', severity: 'fail' }),
      expect.objectContaining({ code: 'missing-config-bridge', severity: 'warn' }),
    ]);
    expect(result.evidence).toContain('# CONFIG_XEN_COMPAT_XENFS is not set');
    expect(result.evidence).toContain('CONFIG_BRIDGE: absent');
    const [remedy] = result.remedies;
    expect(remedy).toMatchObject({ id: 'kernel-config-options', reboot: true });
    expect(remedy?.commands).toContain(
      'scripts/config --enable XEN_COMPAT_XENFS --enable XEN_NETDEV_BACKEND --enable BRIDGE',
    );
  });
  it('skips when there is no config, saying where it looked', async () => {
    const result = await runOn('made-up-bare-metal-no-vmx', kernelConfig);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('/proc/config.gz and /boot/config-6.1.0-56-amd64');
  });

  const scratch = mkdtempSync(path.join(tmpdir(), 'xendoctor-kernel-config-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const runWith = (name: string, files: Record<string, string | Buffer>) => {
    const root = path.join(scratch, name);
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), content);
    }
    return runProbe(new Context(createHost({ root, path: [] })), kernelConfig);
  };

  it('warns only when just the optional options are missing', async () => {
    const text = REAL.replace('CONFIG_BRIDGE=m', '# CONFIG_BRIDGE is not set');
    const result = await runWith('warn-only', { 'proc/config.gz': gzipSync(text) });
    expect(result.status).toBe('warn');
    expect(result.summary).toBe('/proc/config.gz lacks CONFIG_BRIDGE');
  });
  it('is an error, not a skip, when /proc/config.gz is not gzip', async () => {
    const result = await runWith('not-gzip', { 'proc/config.gz': 'CONFIG_XEN_DOM0=y\n' });
    expect(result.status).toBe('error');
    expect(result.summary).toContain('could not gunzip /proc/config.gz');
  });
  it('is an error when the config is garbage', async () => {
    const result = await runWith('garbage', {
      'proc/sys/kernel/osrelease': '6.1.0-56-amd64\n',
      'boot/config-6.1.0-56-amd64': 'this is not a kernel config\n',
    });
    expect(result.status).toBe('error');
    expect(result.summary).toContain('could not parse /boot/config-6.1.0-56-amd64');
  });
  it('never looks outside /boot for a strange release', async () => {
    const result = await runWith('strange-release', { 'proc/sys/kernel/osrelease': '../../etc/passwd\n' });
    expect(result.status).toBe('skip');
    expect(result.evidence).toContain('/proc/sys/kernel/osrelease: "../../etc/passwd"');
  });

  it('grades a guest by the frontends, not by dom0 needs (real Debian config, made-up domU root)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'xd-domu-'));
    mkdirSync(path.join(root, 'sys/hypervisor'), { recursive: true });
    mkdirSync(path.join(root, 'proc/xen'), { recursive: true });
    writeFileSync(path.join(root, 'sys/hypervisor/type'), 'xen\n');
    writeFileSync(path.join(root, 'proc/xen/capabilities'), '');
    writeFileSync(path.join(root, 'proc/config.gz'), gzipSync(REAL));
    const run = () => runProbe(new Context(createHost({ root, path: [] })), kernelConfig);
    const guest = await run();
    expect(guest.status).toBe('ok');
    expect(guest.summary).toBe('all 3 guest options are enabled (y or m)');
    expect(guest.evidence).toContain('role: guest (this is a domU; /proc/xen/capabilities: (empty))');
    // Without blkfront: warn, and dom0's backends are never asked for.
    writeFileSync(
      path.join(root, 'proc/config.gz'),
      gzipSync(REAL.replace(/^CONFIG_XEN_BLKDEV_FRONTEND=.*$/m, '# CONFIG_XEN_BLKDEV_FRONTEND is not set')),
    );
    const noBlkfront = await run();
    expect(noBlkfront.status).toBe('warn');
    expect(noBlkfront.findings.map((f) => f.code)).toEqual(['missing-config-xen-blkdev-frontend']);
  });
  it('knows a guest without xenfs by its Xen features (no XENFEAT_dom0), and a dom0 by them', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'xd-domu-features-'));
    mkdirSync(path.join(root, 'sys/hypervisor/properties'), { recursive: true });
    writeFileSync(path.join(root, 'sys/hypervisor/type'), 'xen\n');
    mkdirSync(path.join(root, 'proc'), { recursive: true });
    writeFileSync(path.join(root, 'proc/config.gz'), gzipSync(REAL));
    const run = () => runProbe(new Context(createHost({ root, path: [] })), kernelConfig);
    // A PVH domU's features under Xen 4.20 (bit 11, XENFEAT_dom0, clear).
    writeFileSync(path.join(root, 'sys/hypervisor/properties/features'), '001d2305\n');
    expect((await run()).summary).toBe('all 3 guest options are enabled (y or m)');
    // The real Debian 13 dom0's features (bit 11 set): dom0's needs, though xenfs is not mounted.
    writeFileSync(path.join(root, 'sys/hypervisor/properties/features'), '001e28e0\n');
    expect((await run()).summary).toBe('all 10 dom0 options are enabled (y or m)');
  });
  it("finds Alpine's /boot/config-<flavour> for release 6.6.31-0-lts", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'xd-alpine-'));
    mkdirSync(path.join(root, 'proc/sys/kernel'), { recursive: true });
    mkdirSync(path.join(root, 'boot'));
    writeFileSync(path.join(root, 'proc/sys/kernel/osrelease'), '6.6.31-0-lts\n');
    writeFileSync(path.join(root, 'boot/config-lts'), REAL);
    const result = await runProbe(new Context(createHost({ root, path: [] })), kernelConfig);
    expect(result.evidence[0]).toBe('/boot/config-lts: read');
    expect(result.summary).toBe('all 10 dom0 options are enabled (y or m)');
    expect(result.status).toBe('ok');
  });
});
