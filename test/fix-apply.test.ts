import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../src/args.js';
import type { Remedy } from '../src/check.js';
import { BACKUPS_DIR } from '../src/fix/backup.js';
import { LOCK_FILE } from '../src/fix/lock.js';
import { autoballoonOff } from '../src/remedies/autoballoon-off.js';
import { bootXenEntry } from '../src/remedies/boot-xen-entry.js';
import { gnttabMaxFrames } from '../src/remedies/gnttab-max-frames.js';
import { mountXenfs, XENFS_FSTAB_LINE } from '../src/remedies/mount-xenfs.js';
import { schedCredit } from '../src/remedies/sched-credit.js';
import { SYSCTL_DROP_IN, sendRedirectsOff } from '../src/remedies/send-redirects-off.js';
import { failingFs, files, fix, probeWith, snapshot, tempHost } from './fix-helpers.js';

const roots: string[] = [];
const host = (extra: Record<string, string> = {}, from?: string) => {
  const root = tempHost(extra, from);
  roots.push(root);
  return root;
};
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');
const backups = (root: string) => {
  const dir = path.join(root, BACKUPS_DIR);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};
const debianGrub = files('debian-bookworm/grub');
const debianXl = files('debian-bookworm/xl.conf');
const fstab = files('gentoo/fstab');

// What the checks would suggest on a badly set up dom0 (the real remedy functions).
const allProbes = () => [
  probeWith('grant-tables', [gnttabMaxFrames(256)]),
  probeWith('scheduler', [schedCredit()]),
  probeWith('dom0-memory', [autoballoonOff()]),
  probeWith('xen-dom0', [mountXenfs()], 'fail'),
  probeWith('bridge-redirects', [sendRedirectsOff(['xenbr0'])]),
];
const fileProbes = () => allProbes().slice(0, 4);

describe('xendoctor fix (plan only)', () => {
  it('prints the diffs, the commands and what needs a reboot, and changes nothing', async () => {
    const root = host({ 'etc/fstab': fstab });
    const before = snapshot(root);
    const { code, out } = await fix(root, [], allProbes());
    expect(code).toBe(1);
    expect(snapshot(root)).toEqual(before);
    expect(backups(root)).toEqual([]);
    expect(out).toContain('nothing is changed');
    expect(out).toContain('== gnttab-max-frames (to apply): ');
    expect(out).toContain(
      '-GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M"\n+GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M gnttab_max_frames=256"',
    );
    // sched-credit's diff is against the file as gnttab-max-frames leaves it: the diffs add up.
    expect(out).toContain(
      '+GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M gnttab_max_frames=256 sched=credit"',
    );
    expect(out).toContain('-#autoballoon="auto"\n+autoballoon="off"');
    expect(out).toContain(`+${XENFS_FSTAB_LINE}`);
    expect(out).toContain(`--- /dev/null\n+++ b/${SYSCTL_DROP_IN.slice(1)}`);
    expect(out).toContain('fix --apply runs:\n     $ sysctl -p /etc/sysctl.d/90-xendoctor-bridge.conf');
    expect(out).toContain('then run yourself:\n     $ grub-mkconfig -o /boot/grub/grub.cfg');
    expect(out).toContain('$ mount -t xenfs xenfs /proc/xen');
    // The sed lines of autoballoon-off restate the edit fix makes: not shown as something to run.
    expect(out).not.toContain('sed -i');
    expect(out).toMatch(
      /Boot-time changes \(gnttab-max-frames, sched-credit\).*reboot needed\. xendoctor never reboots\./,
    );
    expect(out).toContain('5 to apply (4 files, 1 command), 0 already applied, 0 by hand only, 0 refused.');
  });

  it('--json: rebootNeeded is true when a listed remedy needs a reboot, even one done by hand', async () => {
    const root = host();
    const { out } = await fix(root, ['--json'], [probeWith('xen-hypervisor', [bootXenEntry()], 'fail')]);
    const doc = JSON.parse(out);
    expect(doc.remedies).toMatchObject([{ id: 'boot-xen-entry', state: 'manual', reboot: true }]);
    expect(doc.summary.rebootNeeded).toBe(true);
    const text = await fix(root, [], [probeWith('xen-hypervisor', [bootXenEntry()], 'fail')]);
    expect(text.out).toContain('Reboot needed also for boot-xen-entry once done');
  });

  it('--json: the same plan for machines (states, diffs, argv, hashes --apply checks), and changes nothing', async () => {
    const root = host({ 'etc/fstab': fstab });
    const before = snapshot(root);
    const { code, out } = await fix(root, ['--json'], allProbes());
    expect(code).toBe(1);
    expect(snapshot(root)).toEqual(before);
    const doc = JSON.parse(out);
    expect(doc.summary).toEqual({
      apply: 5,
      done: 0,
      manual: 0,
      blocked: 0,
      files: 4,
      commands: 1,
      rebootNeeded: true,
    });
    const byId = Object.fromEntries(doc.remedies.map((r: { id: string }) => [r.id, r]));
    expect(byId['sched-credit']).toMatchObject({ state: 'apply', reboot: true, suggestedBy: ['scheduler'] });
    expect(byId['sched-credit'].edits[0].diff).toContain(
      '+GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M gnttab_max_frames=256 sched=credit"',
    );
    expect(byId['send-redirects-off'].commands).toEqual([['sysctl', '-p', SYSCTL_DROP_IN]]);
    expect(byId['gnttab-max-frames'].instructions[0]).toMatch(/^grub-mkconfig -o \/boot\/grub\/grub.cfg/);
    const grub = doc.files.find((f: { path: string }) => f.path === '/etc/default/grub');
    expect(grub.sha256Before).toBe(createHash('sha256').update(debianGrub).digest('hex'));
    expect(doc.files.find((f: { path: string }) => f.path === SYSCTL_DROP_IN)).toMatchObject({
      existed: false,
      sha256Before: null,
      mode: '0644',
    });

    // Once the file edits are in, nothing is left to apply (exit 0); the reboot is still needed.
    expect((await fix(root, ['--apply', '--yes'], fileProbes())).code).toBe(0);
    const again = await fix(root, ['--json'], fileProbes());
    expect(again.code).toBe(0);
    const after = JSON.parse(again.out);
    expect(after.summary).toMatchObject({ apply: 0, done: 4, files: 0, rebootNeeded: true });
    const edits = after.remedies.flatMap((r: { edits: { alreadyDone: boolean }[] }) => r.edits);
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((e: { alreadyDone: boolean }) => e.alreadyDone)).toBe(true);
  });

  it('--json cannot be combined with --apply or --undo', async () => {
    const root = host();
    await expect(fix(root, ['--json', '--apply', '--yes'], [])).rejects.toThrow(UsageError);
    await expect(fix(root, ['--json', '--undo'], [])).rejects.toThrow(/--json shows the plan only/);
  });

  it('says there is nothing to fix when no finding has a remedy', async () => {
    const root = host();
    const { code, out } = await fix(root, [], [probeWith('ok-check', [])]);
    expect(code).toBe(0);
    expect(out).toContain('No finding has a remedy: nothing to fix.');
  });

  it('ignores remedies of checks that are ok, skip or error', async () => {
    const root = host();
    const ok = {
      ...probeWith('x', [gnttabMaxFrames()]),
      run: async () => ({
        ...(await probeWith('x', [gnttabMaxFrames()]).run({} as never)),
        status: 'ok' as const,
      }),
    };
    expect((await fix(root, [], [ok])).code).toBe(0);
  });
});

describe('xendoctor fix --apply', () => {
  it('applies, keeps a backup with a manifest, runs the runtime command, and ends with grub-mkconfig and "reboot needed"', async () => {
    const root = host({ 'etc/fstab': fstab });
    const { code, out } = await fix(root, ['--apply', '--yes'], allProbes());
    expect(code).toBe(0);
    expect(read(root, 'etc/default/grub')).toBe(
      debianGrub.replace(
        '"dom0_mem=1024M,max:1024M"',
        '"dom0_mem=1024M,max:1024M gnttab_max_frames=256 sched=credit"',
      ),
    );
    expect(read(root, 'etc/xen/xl.conf')).toBe(debianXl.replace('#autoballoon="auto"', 'autoballoon="off"'));
    expect(read(root, 'etc/fstab')).toBe(`${fstab}${XENFS_FSTAB_LINE}\n`);
    expect(read(root, SYSCTL_DROP_IN)).toContain('net.ipv4.conf.all.send_redirects = 0\n');
    expect(statSync(path.join(root, SYSCTL_DROP_IN)).mode & 0o777).toBe(0o644);
    expect(read(root, 'ran.log')).toBe(`sysctl -p ${SYSCTL_DROP_IN}\n`);

    const [backup] = backups(root);
    expect(backup).toBe('20261121T120001Z');
    const dir = path.join(root, BACKUPS_DIR, backup as string);
    // The path printed is where the backup is: under the root, not under /.
    expect(out).toContain(`Backup of the old files: ${dir} (undo: xendoctor fix --undo ${backup})`);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Done.');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(path.join(dir, 'files/etc/default/grub'), 'utf8')).toBe(debianGrub);
    const manifest = JSON.parse(read(root, `${BACKUPS_DIR}/${backup}/manifest.json`));
    expect(manifest).toMatchObject({
      format: 1,
      state: 'applied',
      remedies: expect.arrayContaining(['gnttab-max-frames']),
    });
    expect(manifest.files.map((f: { path: string; existed: boolean }) => [f.path, f.existed])).toEqual([
      ['/etc/default/grub', true],
      ['/etc/xen/xl.conf', true],
      ['/etc/fstab', true],
      [SYSCTL_DROP_IN, false],
    ]);
    expect(manifest.commands).toEqual([
      {
        remedy: 'send-redirects-off',
        argv: ['sysctl', '-p', SYSCTL_DROP_IN],
        exitCode: 0,
        failed: false,
        timedOut: false,
      },
    ]);
    expect(out).toContain(`undo: xendoctor fix --undo ${backup}`);
    expect(out).toMatch(
      /Now run:\n {2}\$ grub-mkconfig -o \/boot\/grub\/grub.cfg.*\n {2}\$ mount -t xenfs xenfs \/proc\/xen\n/,
    );
    expect(out).toContain('Reboot needed for gnttab-max-frames, sched-credit (xendoctor never reboots).');
    // No temp file is left next to the edited files.
    expect(readdirSync(path.join(root, 'etc/default')).filter((n) => n.includes('xendoctor'))).toEqual([]);
  });

  it('is idempotent: a second run changes nothing, makes no backup, and says so', async () => {
    const root = host({ 'etc/fstab': fstab });
    expect((await fix(root, ['--apply', '--yes'], fileProbes())).code).toBe(0);
    const after = snapshot(root);
    const second = await fix(root, ['--apply', '--yes'], fileProbes());
    expect(second.code).toBe(0);
    expect(second.out).toContain('Nothing to change');
    expect(second.out).toContain('== gnttab-max-frames (already applied)');
    expect(second.out).toContain('already done: the file has this change');
    expect(snapshot(root)).toEqual(after);
    expect(backups(root)).toHaveLength(1);
  });

  it('keeps the mode and owner of an edited file', async () => {
    const root = host();
    chmodSync(path.join(root, 'etc/default/grub'), 0o640);
    await fix(root, ['--apply', '--yes'], [probeWith('g', [gnttabMaxFrames()])]);
    expect(statSync(path.join(root, 'etc/default/grub')).mode & 0o7777).toBe(0o640);
  });

  it('writes a write-file edit with the mode the remedy asks for', async () => {
    const root = host();
    const script: Remedy = {
      id: 'script',
      title: 'a boot script',
      commands: [],
      files: [
        {
          path: '/etc/local.d/x.start',
          change: 'a script',
          edit: { kind: 'write-file', content: '#!/bin/sh\n', mode: 0o755 },
        },
      ],
      reboot: false,
    };
    mkdirSync(path.join(root, 'etc/local.d'));
    expect((await fix(root, ['--apply', '--yes'], [probeWith('s', [script])])).code).toBe(0);
    expect(statSync(path.join(root, 'etc/local.d/x.start')).mode & 0o777).toBe(0o755);
  });

  it('--only applies just the named remedies', async () => {
    const root = host({ 'etc/fstab': fstab });
    const before = snapshot(root);
    const { code, out } = await fix(root, ['--apply', '--yes', '--only', 'autoballoon-off'], allProbes());
    expect(code).toBe(0);
    expect(out).not.toContain('gnttab-max-frames');
    const changed = Object.keys(before).filter((k) => snapshot(root)[k] !== before[k]);
    expect(changed).toEqual(['etc/xen/xl.conf']);
    // A known remedy nothing suggests: nothing to do. An unknown id: a usage error, as `--check nope`.
    const none = await fix(root, ['--apply', '--yes', '--only', 'unpause-domain'], allProbes());
    expect(none).toMatchObject({
      code: 0,
      out: expect.stringContaining('--only unpause-domain: no current finding suggests this remedy'),
    });
    await expect(fix(root, ['--apply', '--yes', '--only', 'no-such-remedy'], allProbes())).rejects.toThrow(
      /^flag --only: unknown remedy "no-such-remedy"/,
    );
  });

  it('refuses without a terminal and without --yes (exit 64), and changes nothing', async () => {
    const root = host();
    const before = snapshot(root);
    await expect(fix(root, ['--apply'], fileProbes())).rejects.toThrow(UsageError);
    await expect(fix(root, ['--apply'], fileProbes())).rejects.toThrow(/not a terminal; add --yes/);
    expect(snapshot(root)).toEqual(before);
  });

  it('asks on a terminal: "no" changes nothing (exit 1), "yes" applies', async () => {
    const root = host();
    const before = snapshot(root);
    const questions: string[] = [];
    const no = await fix(root, ['--apply'], fileProbes().slice(0, 1), {
      interactive: true,
      confirm: async (q) => {
        questions.push(q);
        return false;
      },
    });
    expect(no.code).toBe(1);
    expect(no.out).toContain('Nothing was changed.');
    expect(questions[0]).toMatch(/^Apply gnttab-max-frames \(1 file, 0 commands\) under .*\? \[y\/N\] $/);
    expect(snapshot(root)).toEqual(before);
    const yes = await fix(root, ['--apply'], fileProbes().slice(0, 1), {
      interactive: true,
      confirm: async () => true,
    });
    expect(yes.code).toBe(0);
    expect(read(root, 'etc/default/grub')).toContain('gnttab_max_frames=256');
  });

  it('refuses to run inside the daemon', async () => {
    const root = host();
    await expect(fix(root, [], fileProbes(), { env: { XENDOCTOR_DAEMON: '1' } })).rejects.toThrow(
      /inside the xendoctor daemon/,
    );
  });

  it('refuses bad flag combinations', async () => {
    const root = host();
    await expect(fix(root, ['--apply', '--undo'], [])).rejects.toThrow(/cannot be combined/);
    await expect(fix(root, ['--yes'], [])).rejects.toThrow(/--yes needs --apply or --undo/);
    await expect(fix(root, ['extra'], [])).rejects.toThrow(/unexpected argument "extra"/);
  });

  it('does not run commands with --root but no --path (they would run on this machine)', async () => {
    const root = host();
    const { code, out } = await fix(
      root,
      ['--apply', '--yes', '--root', root],
      [probeWith('r', [sendRedirectsOff([])])],
      {
        host: undefined,
      },
    );
    expect(code).toBe(0);
    expect(out).toContain('Not running the commands: --root without --path');
    expect(existsSync(path.join(root, 'ran.log'))).toBe(false);
    expect(existsSync(path.join(root, SYSCTL_DROP_IN))).toBe(true);
  });

  it('reports a failed command (exit 2) and skips the rest of that remedy', async () => {
    const root = host();
    const remedy: Remedy = {
      id: 'cmds',
      title: 'two commands',
      commands: ['false', 'sysctl -a'],
      files: [],
      reboot: false,
      actions: [{ argv: ['false'] }, { argv: ['sysctl', '-a'] }],
    };
    const { code, out } = await fix(root, ['--apply', '--yes'], [probeWith('c', [remedy])]);
    expect(code).toBe(2);
    expect(out).toContain('FAILED $ false: exit 3: no luck');
    expect(out).toContain('skipped: sysctl -a (an earlier command of cmds failed)');
    expect(existsSync(path.join(root, 'ran.log'))).toBe(false);
  });
});

describe('xendoctor fix: errors leave files untouched', () => {
  it('a file changed between the plan and the apply: refused, nothing written (exit 2)', async () => {
    const root = host();
    const grub = path.join(root, 'etc/default/grub');
    const { code, out } = await fix(root, ['--apply'], fileProbes(), {
      interactive: true,
      confirm: async () => {
        writeFileSync(grub, `${debianGrub}# edited meanwhile\n`);
        return true;
      },
    });
    expect(code).toBe(2);
    expect(out).toContain('/etc/default/grub changed since the plan was made; nothing was changed');
    expect(read(root, 'etc/default/grub')).toBe(`${debianGrub}# edited meanwhile\n`);
    expect(read(root, 'etc/xen/xl.conf')).toBe(debianXl);
    expect(backups(root)).toEqual([]);
  });

  it('a read-only /etc (EROFS): a clear message, every file as it was, no temp file left', async () => {
    const root = host({ 'etc/fstab': fstab });
    const before = snapshot(root);
    const fs = failingFs((op, file) =>
      op === 'open' && file.startsWith(path.join(root, 'etc')) ? 'EROFS' : undefined,
    );
    const { code, out } = await fix(root, ['--apply', '--yes'], fileProbes(), { fs });
    expect(code).toBe(2);
    expect(out).toContain('cannot write /etc/default/grub: the file system is read-only');
    expect(out).toContain('Nothing was changed; no command was run.');
    expect(snapshot(root)).toEqual(before);
  });

  it('permission denied on the second file: the first is rolled back byte for byte', async () => {
    const root = host({ 'etc/fstab': fstab });
    const before = snapshot(root);
    // rename(temp, target): the temp file of xl.conf is next to it.
    const xl = path.join(root, 'etc/xen/.xl.conf.xendoctor-');
    const fs = failingFs((op, file) => (op === 'rename' && file.startsWith(xl) ? 'EACCES' : undefined));
    const { code, out } = await fix(root, ['--apply', '--yes'], allProbes(), { fs });
    expect(code).toBe(2);
    expect(out).toContain('cannot replace /etc/xen/xl.conf: permission denied (run xendoctor fix as root)');
    expect(out).toContain('rolled back /etc/default/grub: every file is as it was; no command was run.');
    expect(snapshot(root)).toEqual(before);
    expect(existsSync(path.join(root, 'ran.log'))).toBe(false);
    const manifest = JSON.parse(read(root, `${BACKUPS_DIR}/${backups(root)[0]}/manifest.json`));
    expect(manifest.state).toBe('rolled-back');
  });

  it('a backup copy cannot be written: nothing is changed', async () => {
    const root = host();
    const before = snapshot(root);
    const fs = failingFs((op, file) =>
      op === 'rename' && file.includes('/files/etc/') ? 'ENOSPC' : undefined,
    );
    const { code, out } = await fix(root, ['--apply', '--yes'], fileProbes(), { fs });
    expect(code).toBe(2);
    expect(out).toMatch(
      /could not save the backup \(cannot replace .*: no space left on the device\); nothing was changed/,
    );
    expect(snapshot(root)).toEqual(before);
  });

  it('backups cannot be written (EROFS on /var): nothing is changed', async () => {
    const root = host();
    const before = snapshot(root);
    const fs = failingFs((op, file) =>
      op === 'mkdir' && file.includes('/var/lib/xendoctor') ? 'EROFS' : undefined,
    );
    const { code, out } = await fix(root, ['--apply', '--yes'], fileProbes(), { fs });
    expect(code).toBe(2);
    // The lock, beside the backups, is the first thing fix writes there.
    expect(out).toContain('cannot create the folder /var/lib/xendoctor: the file system is read-only');
    expect(snapshot(root)).toEqual(before);
  });

  it('backups cannot be written (EROFS on the backups folder only): nothing is changed', async () => {
    const root = host();
    const before = snapshot(root);
    const fs = failingFs((op, file) => (op === 'mkdir' && file.includes(BACKUPS_DIR) ? 'EROFS' : undefined));
    const { code, out } = await fix(root, ['--apply', '--yes'], fileProbes(), { fs });
    expect(code).toBe(2);
    expect(out).toContain(`cannot create the backup folder ${BACKUPS_DIR}: the file system is read-only`);
    expect(snapshot(root)).toEqual(before);
    expect(existsSync(path.join(root, LOCK_FILE)), 'the lock is released').toBe(false);
  });

  it('a missing file: that remedy is refused with a message, the others are applied', async () => {
    const root = host({ 'etc/fstab': fstab });
    rmSync(path.join(root, 'etc/xen/xl.conf'));
    const { code, out } = await fix(root, ['--apply', '--yes'], fileProbes());
    expect(code).toBe(2);
    expect(out).toContain('== autoballoon-off (refused)');
    expect(out).toContain('REFUSED: /etc/xen/xl.conf: no such file; nothing was changed');
    // Exit 2 is never next to "Done.": the last line says what was not done.
    expect(out).not.toMatch(/^Done\.$/m);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Not done: refused: autoballoon-off (see REFUSED above).');
    expect(existsSync(path.join(root, 'etc/xen/xl.conf'))).toBe(false);
    expect(read(root, 'etc/default/grub')).toContain('sched=credit');
  });

  it('a grub file with a line continuation: refused, untouched', async () => {
    const root = host({
      'etc/default/grub': 'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M \\\n  console=com1"\n',
    });
    const { code, out } = await fix(root, ['--apply', '--yes'], fileProbes().slice(0, 2));
    expect(code).toBe(2);
    expect(out).toContain(
      'REFUSED: /etc/default/grub: line 1 ("GRUB_CMDLINE_XEN_DEFAULT=\\"dom0_mem=1024M \\\\") continues on the next line; edit it by hand',
    );
    expect(read(root, 'etc/default/grub')).toBe(
      'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M \\\n  console=com1"\n',
    );
  });

  it('a grub file without GRUB_CMDLINE_XEN_DEFAULT gets one', async () => {
    const grub = debianGrub.replace(/^GRUB_CMDLINE_XEN_DEFAULT=.*\n/m, '');
    const root = host({ 'etc/default/grub': grub });
    const { code, out } = await fix(root, ['--apply', '--yes'], fileProbes().slice(0, 1));
    expect(code).toBe(0);
    expect(out).toContain('(added a GRUB_CMDLINE_XEN_DEFAULT line (the file had none))');
    expect(read(root, 'etc/default/grub')).toBe(`${grub}GRUB_CMDLINE_XEN_DEFAULT="gnttab_max_frames=256"\n`);
  });

  it('a symlink that leads outside /etc is refused; one inside /etc is followed and kept', async () => {
    const root = host();
    mkdirSync(path.join(root, 'srv'));
    writeFileSync(path.join(root, 'srv/xl.conf'), debianXl);
    rmSync(path.join(root, 'etc/xen/xl.conf'));
    symlinkSync('../../srv/xl.conf', path.join(root, 'etc/xen/xl.conf'));
    const outside = await fix(root, ['--apply', '--yes'], [probeWith('m', [autoballoonOff()])]);
    expect(outside.code).toBe(2);
    expect(outside.out).toContain(
      '/etc/xen/xl.conf leads (through a symbolic link) to /srv/xl.conf, outside /etc: refusing',
    );
    expect(read(root, 'srv/xl.conf')).toBe(debianXl);

    rmSync(path.join(root, 'etc/xen/xl.conf'));
    symlinkSync('/etc/passwd', path.join(root, 'etc/xen/xl.conf')); // absolute: outside the root entirely
    expect((await fix(root, ['--apply', '--yes'], [probeWith('m', [autoballoonOff()])])).out).toMatch(
      /leads \(through a symbolic link\) to \/etc\/passwd/,
    );

    rmSync(path.join(root, 'etc/xen/xl.conf'));
    writeFileSync(path.join(root, 'etc/xen/xl.conf.dist'), debianXl);
    symlinkSync('xl.conf.dist', path.join(root, 'etc/xen/xl.conf'));
    const inside = await fix(root, ['--apply', '--yes'], [probeWith('m', [autoballoonOff()])]);
    expect(inside.code).toBe(0);
    expect(lstatSync(path.join(root, 'etc/xen/xl.conf')).isSymbolicLink()).toBe(true);
    expect(read(root, 'etc/xen/xl.conf.dist')).toContain('\nautoballoon="off"\n');
    await fix(root, ['--undo', '--yes'], []);
    expect(read(root, 'etc/xen/xl.conf.dist')).toBe(debianXl);
  });

  it('a GRUB legacy host (menu.lst, no /etc/default/grub) gets instructions only', async () => {
    const root = host({ 'boot/grub/menu.lst': files('grub-legacy/menu.lst') });
    rmSync(path.join(root, 'etc/default/grub'));
    const before = snapshot(root);
    const { code, out } = await fix(root, ['--apply', '--yes'], fileProbes().slice(0, 1));
    expect(code).toBe(0);
    expect(out).toContain('== gnttab-max-frames (by hand only)');
    expect(out).toContain('/boot/grub/menu.lst is a GRUB legacy menu, which xendoctor does not edit');
    expect(out).toContain('line 7: kernel\t\t/xen.gz dom0_mem=1024M,max:1024M cpufreq=xen');
    expect(snapshot(root)).toEqual(before);
  });

  it('no /etc/default/grub and no legacy menu: refused with what to add by hand', async () => {
    const root = host();
    rmSync(path.join(root, 'etc/default/grub'));
    const { code, out } = await fix(root, [], fileProbes().slice(0, 1));
    expect(code).toBe(2);
    expect(out).toContain("add gnttab_max_frames=256 to Xen's command line in your boot loader by hand");
  });

  it('the Gentoo-style GRUB_CMDLINE_XEN (made up) is edited in place', async () => {
    const root = host({ 'etc/default/grub': files('gentoo/grub') });
    await fix(root, ['--apply', '--yes'], fileProbes().slice(0, 2));
    expect(read(root, 'etc/default/grub')).toBe(
      files('gentoo/grub').replace(
        'gnttab_max_frames=64  console=vga',
        'gnttab_max_frames=256  console=vga sched=credit',
      ),
    );
  });
});

describe('xendoctor fix: one apply or undo at a time', () => {
  const lockAt = (root: string, content: string) => {
    mkdirSync(path.dirname(path.join(root, LOCK_FILE)), { recursive: true });
    writeFileSync(path.join(root, LOCK_FILE), content);
  };
  /** The pid of a process that has exited. */
  const deadPid = () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    return Number(child.stdout);
  };

  it('refuses while another live fix holds the lock, changes nothing, and leaves its lock alone', async () => {
    const root = host();
    const before = snapshot(root);
    lockAt(root, `${process.pid}\n`); // this test process: alive
    for (const argv of [
      ['--apply', '--yes'],
      ['--undo', '--yes'],
    ]) {
      const { code, out } = await fix(root, argv, fileProbes());
      expect(code).toBe(2);
      expect(out).toContain(`another xendoctor fix (pid ${process.pid}) is applying or undoing on this host`);
    }
    expect(snapshot(root)).toEqual(before);
    expect(backups(root)).toEqual([]);
    expect(read(root, LOCK_FILE)).toBe(`${process.pid}\n`);
  });

  it('takes over the lock of a fix that died, and releases it when done', async () => {
    const root = host({ 'etc/fstab': fstab });
    lockAt(root, `${deadPid()}\n`);
    expect((await fix(root, ['--apply', '--yes'], fileProbes())).code).toBe(0);
    expect(backups(root)).toHaveLength(1);
    expect(existsSync(path.join(root, LOCK_FILE))).toBe(false);
    expect((await fix(root, ['--undo', '--yes'], [])).code).toBe(0);
    expect(existsSync(path.join(root, LOCK_FILE))).toBe(false);
  });

  it('a lock without a pid: held while fresh (a fix starting), stale once old', async () => {
    const root = host({ 'etc/fstab': fstab });
    lockAt(root, '');
    const fresh = await fix(root, ['--apply', '--yes'], fileProbes());
    expect(fresh.code).toBe(2);
    expect(fresh.out).toContain('another xendoctor fix is applying or undoing');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path.join(root, LOCK_FILE), old, old);
    expect((await fix(root, ['--apply', '--yes'], fileProbes())).code).toBe(0);
  });

  it('is released after an apply that failed and rolled back', async () => {
    const root = host();
    const fs = failingFs((op, file) => (op === 'rename' && file.includes('xl.conf') ? 'EACCES' : undefined));
    expect((await fix(root, ['--apply', '--yes'], fileProbes(), { fs })).code).toBe(2);
    expect(existsSync(path.join(root, LOCK_FILE))).toBe(false);
  });
});

describe('xendoctor fix --undo', () => {
  it('restores the last apply byte for byte (and removes created files); a second undo has nothing to do', async () => {
    const root = host({ 'etc/fstab': fstab });
    chmodSync(path.join(root, 'etc/xen/xl.conf'), 0o600);
    const before = snapshot(root);
    await fix(root, ['--apply', '--yes'], allProbes());
    expect(snapshot(root)).not.toEqual(before);
    const undo = await fix(root, ['--undo', '--yes'], []);
    expect(undo.code).toBe(0);
    expect(snapshot(root)).toEqual(before);
    expect(undo.out).toContain(`removed ${SYSCTL_DROP_IN}`);
    expect(undo.out).toContain(`Commands that ran are not undone`);
    expect(undo.out).toContain(`$ sysctl -p ${SYSCTL_DROP_IN}`);
    const again = await fix(root, ['--undo', '--yes'], []);
    expect(again).toMatchObject({ code: 0, out: expect.stringContaining('Nothing to undo') });
  });

  it('undoes a named backup, and stacked applies one after the other', async () => {
    const root = host();
    const before = snapshot(root);
    await fix(root, ['--apply', '--yes', '--only', 'gnttab-max-frames'], fileProbes());
    const middle = snapshot(root);
    await fix(root, ['--apply', '--yes', '--only', 'sched-credit'], fileProbes());
    const [first, second] = backups(root);
    expect((await fix(root, ['--undo', second as string, '--yes'], [])).code).toBe(0);
    expect(snapshot(root)).toEqual(middle);
    expect((await fix(root, ['--undo', '--yes'], [])).out).toContain(`put back as they were before ${first}`);
    expect(snapshot(root)).toEqual(before);
    expect((await fix(root, ['--undo', second as string, '--yes'], [])).out).toContain('was already undone');
  });

  it('refuses when a file changed since the apply, and touches nothing', async () => {
    const root = host();
    await fix(root, ['--apply', '--yes'], fileProbes());
    writeFileSync(path.join(root, 'etc/xen/xl.conf'), 'mine\n');
    const grub = read(root, 'etc/default/grub');
    const { code, out } = await fix(root, ['--undo', '--yes'], []);
    expect(code).toBe(2);
    expect(out).toMatch(
      /\/etc\/xen\/xl.conf changed since xendoctor wrote it: not undoing anything \(the old copy is .*files\/etc\/xen\/xl.conf\)/,
    );
    expect(read(root, 'etc/default/grub')).toBe(grub);
  });

  it('asks first on a terminal, refuses without one, and rejects a bad backup name', async () => {
    const root = host();
    await fix(root, ['--apply', '--yes'], fileProbes().slice(0, 1));
    await expect(fix(root, ['--undo'], [])).rejects.toThrow(/refusing to undo without confirmation/);
    const no = await fix(root, ['--undo'], [], { interactive: true, confirm: async () => false });
    expect(no).toMatchObject({ code: 1, out: expect.stringContaining('restore /etc/default/grub') });
    expect(read(root, 'etc/default/grub')).toContain('gnttab_max_frames=256');
    expect((await fix(root, ['--undo', '../../etc', '--yes'], [])).out).toContain(
      'no backup named "../../etc"',
    );
  });
});

describe('fix properties (on copies of the real grub and xl.conf)', () => {
  const remedies = [
    gnttabMaxFrames(256),
    gnttabMaxFrames(128),
    schedCredit(),
    autoballoonOff(),
    mountXenfs(),
    sendRedirectsOff(['xenbr0']),
  ];
  const subset = fc
    .subarray(remedies, { minLength: 1 })
    .chain((rs) => fc.shuffledSubarray(rs, { minLength: rs.length }));

  it('applying twice equals applying once, and undo restores every byte', async () => {
    await fc.assert(
      fc.asyncProperty(subset, async (chosen) => {
        const root = host({ 'etc/fstab': fstab });
        const before = snapshot(root);
        const probes = chosen.map((r, i) => probeWith(`c${i}`, [r]));
        expect((await fix(root, ['--apply', '--yes'], probes)).code).toBe(0);
        const once = snapshot(root);
        expect((await fix(root, ['--apply', '--yes'], probes)).code).toBe(0);
        expect(snapshot(root)).toEqual(once);
        // Commands-only second runs make a manifest but never a second file backup to undo.
        expect((await fix(root, ['--undo', '--yes'], [])).code).toBe(0);
        expect(snapshot(root)).toEqual(before);
        rmSync(root, { recursive: true, force: true });
      }),
      { numRuns: 15 },
    );
  });
});
