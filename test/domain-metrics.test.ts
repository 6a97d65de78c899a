import { describe, expect, it } from 'vitest';
import type { MetricSample } from '../src/check.js';
import { buildRegistry, type Rejected } from '../src/exporter/metrics.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { parseSysfsCounter, parseVbdName, parseVifName, vbdDeviceName } from '../src/parsers/xen-backend.js';
import { domains } from '../src/probes/domains.js';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HOSTS, runOn } from './helpers.js';

const value = (metrics: MetricSample[], name: string, labels: Record<string, string>) =>
  metrics.find((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v))?.value;

describe('xen-backend names and counters', () => {
  it('reads vifD.N and vbd-D-N, and nothing else', () => {
    expect(parseVifName('vif1.0')).toEqual({ domid: 1, index: 0 });
    expect(parseVifName('vif12.3')).toEqual({ domid: 12, index: 3 });
    expect(['vif1.0-emu', 'vif', 'xenbr0', 'vif1', 'vif1.0.1'].map(parseVifName)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(parseVbdName('vbd-1-51712')).toEqual({ domid: 1, vdev: 51712 });
    expect(['vif-1-0', 'vbd-1', 'qdisk-1-768', 'vbd-x-1'].map(parseVbdName)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
  it("names virtual devices as the guest does (Xen's vbd-interface.txt examples)", () => {
    expect(vbdDeviceName(51712)).toBe('xvda');
    expect(vbdDeviceName(51713)).toBe('xvda1');
    expect(vbdDeviceName(51728)).toBe('xvdb');
    expect(vbdDeviceName(51952)).toBe('xvdp');
    // The extended form: disk 16 (xvdq), partition 0; disk 26 is xvdaa.
    expect(vbdDeviceName((1 << 28) | (16 << 8))).toBe('xvdq');
    expect(vbdDeviceName((1 << 28) | (26 << 8) | 2)).toBe('xvdaa2');
    expect(vbdDeviceName(2048)).toBe('sda');
    expect(vbdDeviceName(2065)).toBe('sdb1');
    expect(vbdDeviceName(768)).toBe('hda');
    expect(vbdDeviceName(832)).toBe('hdb');
    expect(vbdDeviceName(5632)).toBe('hdc');
    expect(vbdDeviceName(1234)).toBe('vbd1234');
  });
  it('parses a sysfs counter and refuses anything else with a ParseError', () => {
    expect(parseSysfsCounter('rx_bytes', '49283\n')).toBe(49283);
    expect(parseSysfsCounter('rx_bytes', '0\n')).toBe(0);
    expect(parseSysfsCounter('rx_bytes', '18446744073709551615\n')).toBe(2 ** 64);
    for (const bad of ['', '\n', '-1\n', '12 34\n', 'abc', '1e5', '123456789012345678901']) {
      expect(() => parseSysfsCounter('rx_bytes', bad)).toThrow(ParseError);
    }
  });
});

describe('domains: per-domain and per-device metrics', () => {
  it('publishes CPU, vCPUs, memory, state and info per domain from xl list and xl list -l (real replies)', async () => {
    const result = await runOn('dom0-domu-credit2', domains);
    const m = result.metrics;
    expect(value(m, 'domain_cpu_seconds_total', { domain: 'Domain-0' })).toBe(113.8);
    expect(value(m, 'domain_cpu_seconds_total', { domain: 'tiny' })).toBe(3.7);
    expect(m.find((s) => s.name === 'domain_cpu_seconds_total')?.type).toBe('counter');
    expect(value(m, 'domain_vcpus', { domain: 'Domain-0' })).toBe(2);
    expect(value(m, 'domain_memory_bytes', { domain: 'tiny' })).toBe(96 * 1024 * 1024);
    expect(value(m, 'domain_memory_max_bytes', { domain: 'tiny' })).toBe(98304 * 1024);
    expect(value(m, 'domain_state', { domain: 'tiny', state: 'blocked' })).toBe(1);
    expect(value(m, 'domain_state', { domain: 'Domain-0', state: 'running' })).toBe(1);
    expect(m.filter((s) => s.name === 'domain_info').map((s) => s.labels)).toEqual([
      { domain: 'Domain-0', domid: '0', uuid: '', type: 'pv' },
      { domain: 'tiny', domid: '1', uuid: 'd1e78393-c25d-4b9a-957c-3c39fbdde65d', type: 'pv' },
    ]);
    // The real capture has no vif statistics: no device series, and no guess.
    expect(m.filter((s) => s.name.startsWith('domain_network_'))).toEqual([]);
  });

  it('labels only the domid-free series by name, and keeps the verdict without xl list -l', async () => {
    // capture-dom0-domu has no `xl list -l` reply: the max memory is left out, nothing else changes.
    const result = await runOn('capture-dom0-domu', domains);
    expect(result.status).toBe('ok');
    expect(result.metrics.filter((s) => s.name === 'domain_memory_max_bytes')).toEqual([]);
    expect(value(result.metrics, 'domain_vcpus', { domain: 'Domain-0' })).toBeGreaterThan(0);
    for (const sample of result.metrics.filter(
      (s) => s.name.startsWith('domain_') && s.name !== 'domain_info',
    )) {
      expect(sample.labels).not.toHaveProperty('domid');
    }
  });

  it('reads every vif and VBD counter of a known domain from sysfs, in the domain view and in bytes', async () => {
    const result = await runOn('made-up-domain-devices', domains);
    expect(result.status).toBe('ok');
    const m = result.metrics;
    const vif = { domain: 'tiny', interface: 'vif1.0' };
    // dom0 received (rx) what the domain transmitted.
    expect(value(m, 'domain_network_transmit_bytes_total', vif)).toBe(48213);
    expect(value(m, 'domain_network_receive_bytes_total', vif)).toBe(91377);
    expect(value(m, 'domain_network_transmit_packets_total', vif)).toBe(512);
    expect(value(m, 'domain_network_receive_packets_total', vif)).toBe(733);
    expect(value(m, 'domain_network_transmit_errors_total', vif)).toBe(0);
    expect(value(m, 'domain_network_transmit_drops_total', vif)).toBe(3);
    expect(value(m, 'domain_network_receive_drops_total', vif)).toBe(17);
    const xvda = { domain: 'tiny', device: 'xvda' };
    expect(value(m, 'domain_block_read_requests_total', xvda)).toBe(1204);
    expect(value(m, 'domain_block_write_requests_total', xvda)).toBe(310);
    expect(value(m, 'domain_block_read_bytes_total', xvda)).toBe(38520 * 512);
    expect(value(m, 'domain_block_written_bytes_total', xvda)).toBe(9816 * 512);
    expect(value(m, 'domain_block_out_of_requests_total', xvda)).toBe(2);
    expect(value(m, 'domain_block_flush_requests_total', xvda)).toBe(4);
    expect(value(m, 'domain_block_read_requests_total', { domain: 'tiny', device: 'xvdb' })).toBe(12);
    // vif7.0's domain is not in xl list; lo and xenbr0 are not vifs.
    const interfaces = new Set(
      m.filter((s) => s.name.startsWith('domain_network_')).map((s) => s.labels.interface),
    );
    expect([...interfaces]).toEqual(['vif1.0']);
    expect(m.filter((s) => s.name.startsWith('domain_network_'))).toHaveLength(8);
    expect(m.filter((s) => s.name.startsWith('domain_block_'))).toHaveLength(12);
    for (const sample of m.filter((s) => s.name.endsWith('_total'))) expect(sample.type).toBe('counter');
  });

  it('exports them as prom-client counters and gauges with their types', async () => {
    const result = await runOn('made-up-domain-devices', domains);
    const rejected: Rejected[] = [];
    const text = await buildRegistry({ runs: [{ result, finishedAt: 0 }] }, 'prometheus', rejected).metrics();
    expect(rejected).toEqual([]);
    expect(text).toMatch(/^# TYPE xendoctor_domain_network_transmit_bytes_total counter$/m);
    expect(text).toContain(
      'xendoctor_domain_network_transmit_bytes_total{domain="tiny",interface="vif1.0"} 48213',
    );
    expect(text).toContain('xendoctor_domain_block_read_bytes_total{device="xvda",domain="tiny"} 19722240');
    expect(text).toMatch(/^# TYPE xendoctor_domain_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^# TYPE xendoctor_domain_memory_bytes gauge$/m);
    expect(text).toContain(
      'xendoctor_domain_info{domain="tiny",domid="1",type="pv",uuid="d1e78393-c25d-4b9a-957c-3c39fbdde65d"} 1',
    );
  });
});

describe('domains: the backend counters of a real domU with a disk (dom0-domu-disk, real Xen 4.17)', () => {
  /** The tiny row of `xentop -b -i 1` saved beside the fixture: column -> number. */
  const xentop = (file: string): Record<string, number> => {
    const [header = '', ...rows] = readFileSync(path.join(HOSTS, 'dom0-domu-disk', file), 'utf8')
      .trim()
      .split('\n');
    const row = rows.find((r) => r.trim().startsWith('tiny ')) ?? '';
    const names = header.trim().split(/\s+/);
    const values = row.trim().split(/\s+/);
    return Object.fromEntries(names.map((n, i) => [n, Number(values[i])]));
  };

  it('reads vbd-3-51712 and vif3.0 as sysfs has them, sectors x 512, named from the domain side', async () => {
    const result = await runOn('dom0-domu-disk', domains);
    const m = result.metrics;
    const disk = { domain: 'tiny', device: 'xvda' };
    const nic = { domain: 'tiny', interface: 'vif3.0' };
    expect(value(m, 'domain_block_read_requests_total', disk)).toBe(6659);
    expect(value(m, 'domain_block_write_requests_total', disk)).toBe(1664);
    expect(value(m, 'domain_block_read_bytes_total', disk)).toBe(53272 * 512);
    expect(value(m, 'domain_block_written_bytes_total', disk)).toBe(13312 * 512);
    expect(value(m, 'domain_block_out_of_requests_total', disk)).toBe(0);
    expect(value(m, 'domain_block_flush_requests_total', disk)).toBe(0);
    // The domU's reads are 4 KiB each: 8 blkif sectors of 512 bytes per request.
    expect(53272 / 6659).toBe(8);
    expect(value(m, 'domain_network_transmit_bytes_total', nic)).toBe(880); // the vif's rx_bytes
    expect(value(m, 'domain_network_receive_bytes_total', nic)).toBe(1146); // the vif's tx_bytes
    expect(value(m, 'domain_network_transmit_packets_total', nic)).toBe(14);
    expect(value(m, 'domain_network_receive_packets_total', nic)).toBe(15);
    // errors and drops were not read on the lab: absent, not 0.
    expect(value(m, 'domain_network_transmit_errors_total', nic)).toBeUndefined();
    // vif-3-0 and console-3-0 are xen-backend devices but not VBDs.
    expect(m.filter((s) => s.name === 'domain_block_read_requests_total')).toHaveLength(1);
  });

  it('agrees with xentop taken just before and just after the files were read', async () => {
    const m = (await runOn('dom0-domu-disk', domains)).metrics;
    const disk = { domain: 'tiny', device: 'xvda' };
    const nic = { domain: 'tiny', interface: 'vif3.0' };
    const [before, after] = [xentop('XENTOP-BEFORE.txt'), xentop('XENTOP-AFTER.txt')];
    const within = (column: string, metric: number | undefined, scale = 1) => {
      expect(before[column]).toBeLessThanOrEqual((metric ?? NaN) / scale);
      expect((metric ?? NaN) / scale).toBeLessThanOrEqual(after[column] ?? NaN);
    };
    within('VBD_RD', value(m, 'domain_block_read_requests_total', disk));
    within('VBD_WR', value(m, 'domain_block_write_requests_total', disk));
    within('VBD_RSECT', value(m, 'domain_block_read_bytes_total', disk), 512);
    within('VBD_WSECT', value(m, 'domain_block_written_bytes_total', disk), 512);
    // xentop's NETTX is dom0's transmit: the bytes the DOMAIN received, in KiB truncated.
    expect(Math.floor((value(m, 'domain_network_receive_bytes_total', nic) ?? NaN) / 1024)).toBe(
      before['NETTX(k)'],
    );
    expect(Math.floor((value(m, 'domain_network_transmit_bytes_total', nic) ?? NaN) / 1024)).toBe(
      before['NETRX(k)'],
    );
  });
});
