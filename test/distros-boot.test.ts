// The boot-loader fixture hosts (issue 16): Alpine/OpenRC/extlinux, Fedora-like grub2 + BLS, Debian booted by
// EFI xen.efi with xen.cfg. Each check's verdict is what an admin of that distribution would say, and every
// remedy that changes Xen's command line edits that loader's file and names that loader's command.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Remedy } from '../src/check.js';
import type { ReportCheck } from '../src/report/document.js';
import { probes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { createHost } from '../src/host/host.js';
import { fix as runFixOn, probeWith } from './fix-helpers.js';
import { fixtureHost, HOSTS } from './helpers.js';

const report = async (name: string) => (await runReport(fixtureHost(name), probes)).document;
const check = (checks: readonly ReportCheck[], id: string) => {
  const found = checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};
const remedy = (result: ReportCheck, id: string): Remedy => {
  const found = result.remedies.find((r) => r.id === id);
  if (!found) throw new Error(`no remedy ${id} in ${result.id}`);
  return found;
};
const GRUB_COMMANDS = /update-grub|grub2?-mkconfig|grub-set-default|grubby/;

// A writable copy of a whole fixture host (links kept as they are), for fix.
const roots: string[] = [];
function copyOf(name: string): string {
  const root = mkdtempSync(path.join(tmpdir(), `xendoctor-${name}-`));
  cpSync(path.join(HOSTS, name), root, { recursive: true, verbatimSymlinks: true });
  roots.push(root);
  return root;
}
// fix on a copy: its files, its commands answered by the replayer (the copy's command links do not resolve).
const replayHost = (root: string) => createHost({ root, replay: root });
const fix = (root: string, argv: string[], checks: Parameters<typeof runFixOn>[2]) =>
  runFixOn(root, argv, checks, { host: replayHost(root) });
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const EXPECTED_OK = [
  'cpu-virtualization',
  'xen-hypervisor',
  'xen-dom0',
  'xen-daemons',
  'grant-tables',
  'dom0-memory',
  'domains',
  'kernel-config',
  'hypervisor-log',
];

describe.each(['alpine-openrc-extlinux', 'fedora-grub2-bls', 'debian12-efi-xen-cfg'])(
  '%s: a healthy dom0 is reported healthy',
  (name) => {
    it('every check ok (advice at most), exit 0', async () => {
      const doc = await report(name);
      for (const id of EXPECTED_OK) expect(check(doc.checks, id).status, id).toBe('ok');
      expect(doc.checks.filter((c) => c.status !== 'ok').map((c) => [c.id, c.status, c.summary])).toEqual([]);
    });
  },
);

describe('alpine-openrc-extlinux', () => {
  it('header: OpenRC and extlinux; kernel config read from /boot/config-lts', async () => {
    const doc = await report('alpine-openrc-extlinux');
    expect(doc.host).toMatchObject({ init: 'openrc', bootLoader: 'extlinux', role: 'dom0' });
    expect(check(doc.checks, 'kernel-config').evidence.join('\n')).toContain('/boot/config-lts');
  });
  it("sched-credit edits xen_opts in /etc/update-extlinux.conf and runs update-extlinux, nothing of GRUB's", async () => {
    const doc = await report('alpine-openrc-extlinux');
    const sched = remedy(check(doc.checks, 'scheduler'), 'sched-credit');
    expect(sched.files).toEqual([
      expect.objectContaining({
        path: '/etc/update-extlinux.conf',
        edit: { kind: 'shell-options', variable: 'xen_opts', set: { sched: 'credit' } },
      }),
    ]);
    expect(sched.commands).toEqual(['update-extlinux']);
    expect(JSON.stringify(doc)).not.toMatch(GRUB_COMMANDS);
  });
  it('fix --apply writes sched=credit into xen_opts, keeps every other line, and leaves update-extlinux to the admin', async () => {
    const root = copyOf('alpine-openrc-extlinux');
    const before = readFileSync(path.join(root, 'etc/update-extlinux.conf'), 'utf8');
    const { code, out } = await fix(root, ['--only', 'sched-credit', '--apply', '--yes'], probes);
    expect(code).toBe(0);
    const after = readFileSync(path.join(root, 'etc/update-extlinux.conf'), 'utf8');
    expect(after).toBe(
      before.replace(
        'xen_opts="dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot"',
        'xen_opts="dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot sched=credit"',
      ),
    );
    expect(after).not.toBe(before);
    expect(out).toMatch(/\$ update-extlinux\n/);
    expect(out).not.toMatch(GRUB_COMMANDS);
    // A second report sees the option configured and says what makes it take effect.
    const again = await runReport(replayHost(root), probes);
    expect(check(again.document.checks, 'scheduler').summary).toContain(
      'sched=credit is already in /etc/update-extlinux.conf: run update-extlinux and reboot',
    );
  });
  it('gnttab-max-frames and dom0-mem take the same path (xen_opts, update-extlinux)', async () => {
    const { gnttabMaxFrames } = await import('../src/remedies/gnttab-max-frames.js');
    const { dom0Mem } = await import('../src/remedies/dom0-mem.js');
    const root = copyOf('alpine-openrc-extlinux');
    const { code } = await fix(
      root,
      ['--apply', '--yes'],
      [
        probeWith('grant-tables', [gnttabMaxFrames(256, await boot(root))]),
        probeWith('dom0-memory', [dom0Mem('2048M', await boot(root))]),
      ],
    );
    expect(code).toBe(0);
    expect(readFileSync(path.join(root, 'etc/update-extlinux.conf'), 'utf8')).toContain(
      'xen_opts="dom0_mem=2048M,max:2048M console=com1 com1=115200,8n1 noreboot gnttab_max_frames=256"',
    );
  });
});

describe('fedora-grub2-bls', () => {
  it('header: systemd and GRUB 2 with BLS; the upstream units are judged enabled', async () => {
    const doc = await report('fedora-grub2-bls');
    expect(doc.host).toMatchObject({ init: 'systemd', bootLoader: 'GRUB 2 (BLS)' });
    expect(check(doc.checks, 'xen-daemons').evidence.join('\n')).toContain('xenconsoled.service');
  });
  it('sched-credit edits /etc/default/grub and runs grub2-mkconfig -o /boot/grub2/grub.cfg, saying grubby will not do', async () => {
    const doc = await report('fedora-grub2-bls');
    const sched = remedy(check(doc.checks, 'scheduler'), 'sched-credit');
    expect(sched.files.map((f) => [f.path, f.edit?.kind])).toEqual([['/etc/default/grub', 'xen-cmdline']]);
    expect(sched.commands).toEqual(['grub2-mkconfig -o /boot/grub2/grub.cfg']);
    expect(sched.note).toContain('grubby changes only the Linux entries');
    expect(JSON.stringify(doc)).not.toMatch(/update-grub|grub-mkconfig -o \/boot\/grub\/grub.cfg/);
  });
  it('fix plans the GRUB_CMDLINE_XEN_DEFAULT edit and leaves grub2-mkconfig (not update-grub) to the admin', async () => {
    const root = copyOf('fedora-grub2-bls');
    const { out } = await fix(root, ['--only', 'sched-credit', '--json'], probes);
    const plan = JSON.parse(out);
    const [planned] = plan.remedies;
    expect(planned.state).toBe('apply');
    expect(planned.edits[0].diff).toContain(
      '+GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot sched=credit"',
    );
    expect(planned.instructions).toEqual(['grub2-mkconfig -o /boot/grub2/grub.cfg']);
  });
});

describe('debian12-efi-xen-cfg', () => {
  it('header: booted by xen.efi (EFI xen.cfg), although GRUB 2 is installed', async () => {
    const doc = await report('debian12-efi-xen-cfg');
    expect(doc.host.bootLoader).toBe('EFI xen.cfg');
  });
  it('sched-credit names the exact xen.cfg line to change, runs nothing, and never names update-grub', async () => {
    const doc = await report('debian12-efi-xen-cfg');
    const sched = remedy(check(doc.checks, 'scheduler'), 'sched-credit');
    expect(sched.commands).toEqual([]);
    expect(sched.files).toEqual([
      {
        path: '/boot/efi/EFI/debian/xen.cfg',
        change:
          'in [debian], line 6: replace "options=dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot" ' +
          'with "options=dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot sched=credit"',
      },
    ]);
    expect(sched.note).toContain('never writes the ESP');
    expect(JSON.stringify(doc)).not.toMatch(GRUB_COMMANDS);
  });
  it('fix --apply changes nothing on the host: the xen.cfg edit is by hand', async () => {
    const root = copyOf('debian12-efi-xen-cfg');
    const cfg = readFileSync(path.join(root, 'boot/efi/EFI/debian/xen.cfg'), 'utf8');
    const grub = readFileSync(path.join(root, 'etc/default/grub.d/xen.cfg'), 'utf8');
    const { out } = await fix(root, ['--only', 'sched-credit', '--json'], probes);
    const [planned] = JSON.parse(out).remedies;
    expect(planned.state).toBe('manual');
    expect(planned.manual[0]).toMatch(/^\/boot\/efi\/EFI\/debian\/xen.cfg: in \[debian\], line 6: replace/);
    expect(planned.instructions).toEqual([]);
    await fix(root, ['--only', 'sched-credit', '--apply', '--yes'], probes);
    expect(readFileSync(path.join(root, 'boot/efi/EFI/debian/xen.cfg'), 'utf8')).toBe(cfg);
    expect(readFileSync(path.join(root, 'etc/default/grub.d/xen.cfg'), 'utf8')).toBe(grub);
  });
});

// The boot target a report on this root would give the remedies.
async function boot(root: string) {
  const { Context } = await import('../src/context.js');
  return (await new Context(replayHost(root)).xenBoot()).target;
}
