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
  it('warns on the real dom0 fixture (send_redirects made up as 1) with the sysctl drop-in', async () => {
    const result = await runOn('dom0-domu-credit2', bridgeRedirects);
    expect(result.status).toBe('warn');
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

  it('warns when only the bridge says 1 (the kernel ORs all with the interface)', async () => {
    const result = await runOn('made-up-offload-fixed', bridgeRedirects);
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.message)).toEqual(['net.ipv4.conf.xenbr0.send_redirects = 1']);
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
    expect(results.map((r) => r.status)).toEqual(['warn', 'warn']);
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
