import { describe, expect, it } from 'vitest';
import { Context } from '../src/context.js';
import type { Host } from '../src/host/host.js';
import { bridges } from '../src/net/bridges.js';
import { bridgeOffload } from '../src/probes/bridge-offload.js';
import { bridgeRedirects } from '../src/probes/bridge-redirects.js';
import { SYSCTL_DROP_IN, sendRedirectsKey, sendRedirectsOff } from '../src/remedies/send-redirects-off.js';
import { runProbes } from '../src/runner.js';
import { fixtureHost, runOn } from './helpers.js';

describe('bridge-redirects', () => {
  it('advises on the real dom0 fixture (send_redirects made up as 1, no forwarding seen) with the sysctl drop-in', async () => {
    const result = await runOn('dom0-domu-credit2', bridgeRedirects);
    expect(result.status).toBe('ok');
    expect(result.findings.map((f) => f.severity)).toEqual(['advice', 'advice', 'advice']);
    expect(result.evidence).toContain('net.ipv4.ip_forward: missing');
    expect(result.summary).toBe('ICMP redirects on: send_redirects = 1 for all, default, xenbr0');
    expect(result.findings.map((f) => f.code)).toEqual([
      'send-redirects-on',
      'send-redirects-on',
      'send-redirects-on',
    ]);
    const [remedy] = result.remedies;
    expect(remedy).toMatchObject({
      id: 'send-redirects-off',
      reboot: false,
      commands: ['sysctl -p /etc/sysctl.d/90-xendoctor-bridge.conf'],
      actions: [{ argv: ['sysctl', '-p', '/etc/sysctl.d/90-xendoctor-bridge.conf'] }],
    });
    expect(remedy?.files).toEqual([
      {
        path: SYSCTL_DROP_IN,
        change: expect.stringContaining('net.ipv4.conf.xenbr0.send_redirects'),
        edit: {
          kind: 'write-file',
          content: expect.stringMatching(
            /\nnet\.ipv4\.conf\.all\.send_redirects = 0\nnet\.ipv4\.conf\.default\.send_redirects = 0\nnet\.ipv4\.conf\.xenbr0\.send_redirects = 0\n$/,
          ),
        },
      },
    ]);
  });

  it('is ok when all, default and the bridge are 0', async () => {
    const result = await runOn('made-up-offload-off', bridgeRedirects);
    expect(result).toMatchObject({
      status: 'ok',
      summary: 'send_redirects is 0 for all, default, xenbr0',
      remedies: [],
    });
  });

  it('finds it when only the bridge says 1 (the kernel ORs all with the interface)', async () => {
    const result = await runOn('made-up-offload-fixed', bridgeRedirects);
    expect(result.status).toBe('ok');
    expect(result.findings.map((f) => f.message)).toEqual(['net.ipv4.conf.xenbr0.send_redirects = 1']);
  });

  it('warns when dom0 forwards (ip_forward = 1, made-up-redirects-forwarding)', async () => {
    const result = await runOn('made-up-redirects-forwarding', bridgeRedirects);
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.severity)).toEqual(['warn', 'warn', 'warn']);
    expect(result.evidence).toContain('net.ipv4.ip_forward = 1 (dom0 routes: redirects are sent)');
    expect(result.evidence).toContain('/proc/net/snmp: Icmp OutRedirects 0');
  });

  it('warns when dom0 has sent redirects (Icmp OutRedirects > 0) even without forwarding now', async () => {
    const real = fixtureHost('made-up-redirects-forwarding');
    const snmp = await real.readFile('/proc/net/snmp');
    // The same real file with OutRedirects (the 23rd Icmp counter) raised: the change is the point.
    const rows = snmp.split('\n');
    const names = rows.findIndex((r) => r.startsWith('Icmp:'));
    const fields = (rows[names + 1] ?? '').split(' ');
    const column = (rows[names] ?? '').split(' ').indexOf('OutRedirects');
    fields[column] = '7';
    rows[names + 1] = fields.join(' ');
    const host: Host = {
      ...real,
      async readFileIfExists(file) {
        if (file === '/proc/sys/net/ipv4/ip_forward') return '0\n';
        if (file === '/proc/net/snmp') return rows.join('\n');
        return real.readFileIfExists(file);
      },
    };
    const [result] = await runProbes(new Context(host), [bridgeRedirects]);
    expect(result?.status).toBe('warn');
    expect(result?.evidence).toContain('/proc/net/snmp: Icmp OutRedirects 7');
    expect(result?.evidence).toContain('net.ipv4.ip_forward = 0 (dom0 does not route)');
  });

  it('is an error, never ok, when /proc/net/snmp is garbage', async () => {
    const real = fixtureHost('dom0-domu-credit2');
    const host: Host = {
      ...real,
      async readFileIfExists(file) {
        if (file === '/proc/net/snmp') return 'Icmp: InMsgs OutRedirects\nIcmp: 1\n';
        return real.readFileIfExists(file);
      },
    };
    const [result] = await runProbes(new Context(host), [bridgeRedirects]);
    expect(result?.status).toBe('error');
    expect(result?.summary).toBe('could not parse /proc/net/snmp');
  });

  it('skips on a host without a bridge, even with redirects on', async () => {
    const result = await runOn('made-up-no-bridge', bridgeRedirects);
    expect(result).toMatchObject({ status: 'skip', summary: 'no Linux bridge on this host' });
  });

  it('reports error with the bad value when a send_redirects file makes no sense', async () => {
    const result = await runOn('made-up-ethtool-garbage', bridgeRedirects);
    expect(result.status).toBe('error');
    expect(result.summary).toBe('could not read net.ipv4.conf.xenbr0.send_redirects');
    expect(result.evidence).toContain(
      '/proc/sys/net/ipv4/conf/xenbr0/send_redirects: expected 0 or 1 (got: "")',
    );
  });

  it('reads /sys/class/net once per run for both bridge checks', async () => {
    const real = fixtureHost('dom0-domu-credit2');
    const listed: string[] = [];
    const counting: Host = {
      ...real,
      listDir(dir) {
        listed.push(dir);
        return real.listDir(dir);
      },
    };
    const ctx = new Context(counting);
    const results = await runProbes(ctx, [bridgeOffload, bridgeRedirects]);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(listed.filter((dir) => dir === '/sys/class/net')).toHaveLength(1);
    expect((await bridges(ctx)).bridges).toEqual([{ name: 'xenbr0', ports: ['dummy0', 'vif1.0'] }]);
  });
});

describe('send-redirects-off', () => {
  it('writes a VLAN bridge with a dot in its name as a sysctl key with "/"', () => {
    expect(sendRedirectsKey('br0.100')).toBe('net.ipv4.conf.br0/100.send_redirects');
    const edit = sendRedirectsOff(['br0.100']).files[0]?.edit;
    expect(edit?.kind === 'write-file' && edit.content).toContain(
      'net.ipv4.conf.br0/100.send_redirects = 0\n',
    );
  });
});
