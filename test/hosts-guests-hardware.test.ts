// Whole-report verdicts on the issue 16 hosts of guests, hardware and the newest Debian: every check's
// status on each, as an admin of that host would expect it (their goldens hold the full reports).
import { describe, expect, it } from 'vitest';
import { probes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { hypervisorLog } from '../src/probes/hypervisor-log.js';
import { fixtureHost, runOn } from './helpers.js';

async function verdicts(name: string) {
  const { document } = await runReport(fixtureHost(name), probes);
  return Object.fromEntries(document.checks.map((check) => [check.id, check]));
}

describe('debian13-xen420 (real lab capture: Debian 13, Xen 4.20, systemd 257)', () => {
  it('is a healthy dom0: every check ok, Xen 4.20 info lines not errors', async () => {
    const checks = await verdicts('debian13-xen420');
    expect(Object.fromEntries(Object.entries(checks).map(([id, c]) => [id, c.status]))).toEqual({
      'cpu-virtualization': 'ok',
      'xen-hypervisor': 'ok',
      'xen-dom0': 'ok',
      'xen-daemons': 'ok',
      'grant-tables': 'ok',
      scheduler: 'ok',
      'bridge-offload': 'ok',
      'dom0-memory': 'ok',
      domains: 'ok',
      'kernel-config': 'ok',
      'bridge-redirects': 'ok',
      'hypervisor-log': 'ok',
    });
    // trixie's static xen.service and xendomains.service ("enabled"; bookworm's were "generated").
    expect(checks['xen-daemons']?.evidence).toEqual(
      expect.arrayContaining(['xen.service: enabled', 'xendomains.service: enabled']),
    );
    const log = checks['hypervisor-log'];
    expect(log?.summary).toBe('145 lines read, no errors; 2 warning-level (see evidence)');
    expect(log?.evidence).toContain(
      'Xen 4.20.5-pre (debug=n) logs errors, warnings and info; guest-caused: nothing (rate-limited: errors and warnings)',
    );
    expect(log?.evidence.filter((e) => e.startsWith('benign: (XEN) ') && /machine check/i.test(e))).toEqual([
      'benign: (XEN) CPU0: AMD K8 machine check reporting enabled (machine check reporting starting up (logged by default since Xen 4.18))',
      'benign: (XEN) mcheck_poll: Machine check polling timer started. (machine check reporting starting up (logged by default since Xen 4.18))',
    ]);
  });
});

describe('epyc-iommu-dom0 (made up from Xen 4.20 source strings on the trixie host)', () => {
  it('is ok: AMD-Vi feature names, SVM features and machine check start-up are not warnings', async () => {
    const checks = await verdicts('epyc-iommu-dom0');
    expect(Object.values(checks).filter((c) => c.status !== 'ok')).toEqual([]);
    const log = checks['hypervisor-log'];
    expect(log?.summary).toBe('186 lines read, no errors');
    expect(log?.evidence).toContain(
      'benign: (XEN) - PPR Log Overflow Early Warning (a feature name in the list Xen prints at boot, not a message)',
    );
    const metrics = (await runOn('epyc-iommu-dom0', hypervisorLog)).metrics;
    expect(metrics.map((m) => [m.labels.level, m.value])).toEqual([
      ['error', 0],
      ['warning', 0],
      ['info', 186],
    ]);
    // HVM comes from xl info (svm is hidden from a PV dom0's cpuinfo).
    expect(checks['cpu-virtualization']?.evidence).toContain(
      'xl info: virt_caps: pv hvm hvm_directio pv_directio hap shadow gnttab-v1 gnttab-v2',
    );
  });
});

describe.each([
  ['domu-pv', 'PV', '6.12.117+bpo-amd64'],
  ['domu-pvh', 'PVH', '6.12.117+bpo-cloud-amd64'],
])('%s (made up: the agent inside a guest)', (name, type, release) => {
  it('says it is a domU: dom0 checks skip with that reason, the guest kernel is graded by its frontends', async () => {
    const checks = await verdicts(name);
    const domU = `this is a domU (${type} guest)`;
    expect(Object.fromEntries(Object.entries(checks).map(([id, c]) => [id, [c.status, c.summary]]))).toEqual({
      'cpu-virtualization': ['skip', `${domU}: only dom0 can ask Xen whether the hardware has HVM`],
      'xen-hypervisor': ['ok', 'running under Xen'],
      'xen-dom0': [
        'skip',
        `${domU}: the dom0 checks do not apply here; run xendoctor in dom0 to check the Xen host`,
      ],
      'xen-daemons': ['skip', `${domU}: only dom0 can see this`],
      'grant-tables': ['skip', `${domU}: only dom0 can see this`],
      scheduler: ['skip', `${domU}: only dom0 can see this`],
      'bridge-offload': ['skip', 'no Linux bridge on this host'],
      'dom0-memory': ['skip', `${domU}: only dom0 can see this`],
      domains: ['skip', `${domU}: only dom0 can see this`],
      'kernel-config': ['ok', 'all 3 guest options are enabled (y or m)'],
      'bridge-redirects': ['skip', 'no Linux bridge on this host'],
      'hypervisor-log': ['skip', `${domU}: only dom0 can see this`],
    });
    expect(checks['kernel-config']?.evidence[0]).toBe(`/boot/config-${release}: read`);
    expect(checks['xen-hypervisor']?.evidence).toContain(
      type === 'PVH'
        ? 'dmesg: [    0.108264] Booting kernel on Xen PVH'
        : 'dmesg: [    0.301227] Booting kernel on Xen',
    );
  });
});
