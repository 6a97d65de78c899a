// GRUB reads /etc/default/grub, then /etc/default/grub.d/*.cfg: the last Xen command line assignment wins, and
// remedies edit the file it lives in (issue 16).
import { describe, expect, it } from 'vitest';
import { effectiveGrubXen } from '../src/parsers/grub-default.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { dom0Memory } from '../src/probes/dom0-memory.js';
import { scheduler } from '../src/probes/scheduler.js';
import { setXenCmdline } from '../src/fix/edits/xen-cmdline.js';
import { hostFile, runOn } from './helpers.js';

const HOST = 'debian12-grub-xen-cfg';
const XEN_CFG = '/etc/default/grub.d/xen.cfg';

describe('effectiveGrubXen', () => {
  it('lets grub.d/xen.cfg override /etc/default/grub (real Debian file, one line set)', () => {
    const grub = effectiveGrubXen([
      { path: '/etc/default/grub', text: hostFile(HOST, 'etc/default/grub') },
      { path: XEN_CFG, text: hostFile(HOST, 'etc/default/grub.d/xen.cfg') },
    ]);
    expect(grub).toEqual({
      commandLine: 'dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot',
      editFile: XEN_CFG,
      from: { GRUB_CMDLINE_XEN_DEFAULT: XEN_CFG },
    });
  });
  it('keeps /etc/default/grub when the drop-in only has the shipped, commented lines', () => {
    const shipped = hostFile(HOST, 'etc/default/grub.d/xen.cfg').replace(
      /^GRUB_CMDLINE_XEN_DEFAULT=.*$/m,
      '#GRUB_CMDLINE_XEN_DEFAULT=""',
    );
    const grub = effectiveGrubXen([
      { path: '/etc/default/grub', text: hostFile(HOST, 'etc/default/grub') },
      { path: XEN_CFG, text: shipped },
    ]);
    expect(grub.editFile).toBe('/etc/default/grub');
    expect(grub.commandLine).toBe('dom0_mem=1024M,max:1024M');
  });
  it('takes GRUB_CMDLINE_XEN and GRUB_CMDLINE_XEN_DEFAULT each from where it is set last', () => {
    const grub = effectiveGrubXen([
      {
        path: '/etc/default/grub',
        text: 'GRUB_CMDLINE_XEN="sched=credit2"\nGRUB_CMDLINE_XEN_DEFAULT="a=1"\n',
      },
      { path: '/etc/default/grub.d/10-a.cfg', text: 'GRUB_CMDLINE_XEN="sched=credit"\n' },
      { path: '/etc/default/grub.d/20-b.cfg', text: 'GRUB_CMDLINE_XEN_DEFAULT="b=2"\n' },
    ]);
    expect(grub.commandLine).toBe('sched=credit b=2');
    expect(grub.from).toEqual({
      GRUB_CMDLINE_XEN: '/etc/default/grub.d/10-a.cfg',
      GRUB_CMDLINE_XEN_DEFAULT: '/etc/default/grub.d/20-b.cfg',
    });
  });
  it('names the drop-in it cannot parse', () => {
    expect(() =>
      effectiveGrubXen([
        { path: '/etc/default/grub', text: '' },
        { path: XEN_CFG, text: 'GRUB_CMDLINE_XEN_DEFAULT="unterminated\n' },
      ]),
    ).toThrow(new ParseError(XEN_CFG, 'a closing " for the value on line 1', '"unterminated'));
  });
});

describe('remedies on a host whose Xen options live in grub.d/xen.cfg', () => {
  it('scheduler: the sched-credit remedy edits xen.cfg, and the edit applies to the real file', async () => {
    const result = await runOn(HOST, scheduler);
    expect(result.evidence).toContain(
      `GRUB_CMDLINE_XEN_DEFAULT is set last in ${XEN_CFG} (it overrides /etc/default/grub)`,
    );
    const remedy = result.remedies.find((r) => r.id === 'sched-credit');
    expect(remedy?.files.map((f) => f.path)).toEqual([XEN_CFG]);
    const edited = setXenCmdline(hostFile(HOST, 'etc/default/grub.d/xen.cfg'), { sched: 'credit' }, XEN_CFG);
    expect(edited.text).toContain(
      'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot sched=credit"',
    );
  });
  it('dom0-memory reads dom0_mem from xen.cfg; the real Debian host still edits /etc/default/grub', async () => {
    const result = await runOn(HOST, dom0Memory);
    expect(result.status).toBe('ok');
    expect(result.evidence).toContain(
      `GRUB_CMDLINE_XEN_DEFAULT is set last in ${XEN_CFG} (it overrides /etc/default/grub)`,
    );
    const plain = await runOn('dom0-credit2', scheduler);
    expect(plain.remedies.find((r) => r.id === 'sched-credit')?.files.map((f) => f.path)).toEqual([
      '/etc/default/grub',
    ]);
  });
});
