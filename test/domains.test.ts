import { describe, expect, it } from 'vitest';
import { DOMAIN_STATES, domainState, domains } from '../src/probes/domains.js';
import { Context } from '../src/context.js';
import type { Host } from '../src/host/host.js';
import { runProbe } from '../src/runner.js';
import { fixtureHost, runOn } from './helpers.js';

describe('domainState', () => {
  it('gives each State column one state, the most telling first', () => {
    expect(
      ['r-----', '-b----', '------', '--p---', '---sr-', '---sc-', '--psc-', '-----d', '---scd'].map(
        domainState,
      ),
    ).toEqual([
      'running',
      'blocked',
      'runnable',
      'paused',
      'shutdown',
      'crashed',
      'crashed',
      'dying',
      'dying',
    ]);
  });
});

describe('domains', () => {
  it('is ok on the real dom0 with a running domU, counting every state', async () => {
    const result = await runOn('dom0-domu-credit2', domains);
    expect(result.status).toBe('ok');
    expect(result.summary).toBe('2 domains: 1 running, 1 blocked');
    expect(result.metrics.filter((m) => m.name === 'domains').map((m) => m.labels.state)).toEqual([
      ...DOMAIN_STATES,
    ]);
    expect(
      Object.fromEntries(
        result.metrics.filter((m) => m.name === 'domains').map((m) => [m.labels.state, m.value]),
      ),
    ).toMatchObject({
      running: 1,
      blocked: 1,
      paused: 0,
      crashed: 0,
    });
  });
  it('fails on a crashed domain and warns for dying, shut-down and paused ones, quoting their rows', async () => {
    const result = await runOn('made-up-domains-troubled', domains);
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([
      ['domain-crashed', 'fail'],
      ['domain-dying', 'warn'],
      ['domain-shutdown', 'warn'],
      ['domain-paused', 'warn'],
    ]);
    expect(result.findings.find((f) => f.code === 'domain-paused')?.message).toContain(
      'cannot say since when',
    );
    expect(result.findings.find((f) => f.code === 'domain-shutdown')?.message).toContain('(watchdog)');
    expect(result.evidence).toEqual([
      'xl list: Name ID Mem VCPUs State Time(s)',
      'xl list: web 3 512 2 ---sc- 81.2',
      'xl list: db 4 2048 4 --p--- 1702.5',
      'xl list: old 9 96 1 -----d 3.3',
      'xl list: guest-wd 11 256 1 ---sw- 40.1',
    ]);
    const counts = Object.fromEntries(
      result.metrics.filter((m) => m.name === 'domains').map((m) => [m.labels.state, m.value]),
    );
    expect(counts).toEqual({
      running: 1,
      blocked: 0,
      runnable: 1,
      paused: 1,
      shutdown: 1,
      crashed: 1,
      dying: 1,
    });
    expect(result.remedies.map((r) => r.id)).toEqual([
      'recover-crashed-domain',
      'release-dying-domain',
      'unpause-domain',
    ]);
    // Destroying or unpausing a domain is for a person to decide: nothing for `fix --apply` to run.
    expect(result.remedies.every((r) => r.actions === undefined)).toBe(true);
    expect(result.remedies[0]?.commands).toContain('xl destroy web');
  });
  it('is an error (UNKNOWN, never ok or skip) naming the search path when xl is missing on a dom0', async () => {
    const blind = await runOn('made-up-openrc-xenconsoled-disabled', domains);
    expect(blind.status).toBe('error');
    expect(blind.summary).toMatch(/^xl not found on PATH=.*made-up-openrc-xenconsoled-disabled\/commands$/);
    expect(blind.evidence.join('\n')).toContain('install: Debian: xen-utils-<version>; Alpine: xen');
  });

  it('is an error, never ok, when `xl list` has no Domain-0 (garbage that parses)', async () => {
    const real = fixtureHost('dom0-domu-credit2');
    const host: Host = {
      ...real,
      async run(argv, opts) {
        const result = await real.run(argv, opts);
        if (argv.join(' ') !== 'xl list') return result;
        // The real reply without its Domain-0 row.
        return { ...result, stdout: result.stdout.replace(/^Domain-0 .*\n/m, '') };
      },
    };
    const result = await runProbe(new Context(host), domains);
    expect(result.status).toBe('error');
    expect(result.summary).toBe('could not parse `xl list`: a Domain-0 row (domid 0)');
  });
});
