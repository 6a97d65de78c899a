// `xendoctor fix`: runs the report, turns the findings into a plan (diffs, commands, what needs a reboot)
// and, with --apply, applies it after a confirmation; --undo restores the files of the last apply. It never
// reboots, and it refuses to run inside the daemon (XENDOCTOR_DAEMON): a remedy is an admin's decision.
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs, UsageError } from '../args.js';
import type { Probe } from '../check.js';
import { type Command, commandNamed, fixFlags } from '../commands.js';
import { enabledProbes, loadConfig } from '../config.js';
import { helpOrVersion } from '../help.js';
import { createHost, type Host } from '../host/host.js';
import { hostOptionsFrom } from '../host-flags.js';
import { runReport } from '../report/run.js';
import { applyPlan } from './apply.js';
import { BACKUPS_DIR } from './backup.js';
import { FixError, type FixFs, nodeFs } from './fix-fs.js';
import { findBackup, undoBackup } from './undo.js';
import { REMEDY_IDS } from '../remedies/ids.js';
import { withFixLock } from './lock.js';
import { makePlan, type Plan, type RemedyPlan } from './plan.js';
import { planDocument } from './plan-document.js';
import { shellJoin } from '../remedies/quote.js';

/** Exit codes of `xendoctor fix` (64 and 3 as for the report). */
const FIX_EXIT = {
  /** Plan: nothing to apply. Apply/undo: done, or nothing to do. */
  ok: 0,
  /** Plan: there are changes to apply. Apply/undo: declined at the prompt, nothing changed. */
  pending: 1,
  /** Something was refused or failed (a changed file, EROFS, a command that failed...); see the messages. */
  failed: 2,
} as const;

/** What fix needs from the outside world; tests replace any of it. */
export interface FixDeps {
  probes: readonly Probe[];
  env: NodeJS.ProcessEnv;
  write: (text: string) => void;
  /** stdin and stdout are a terminal (a person can answer the prompt). */
  interactive: boolean;
  confirm: (question: string) => Promise<boolean>;
  fs: FixFs;
  now: () => Date;
  /** Overrides the host built from the flags. */
  host?: Host;
}

export async function fixCommand(argv: readonly string[]): Promise<number> {
  const { probes } = await import('../probes/index.js');
  return runFix(argv, {
    probes,
    env: process.env,
    write: (text) => process.stdout.write(text),
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    confirm: askOnTerminal,
    fs: nodeFs,
    now: () => new Date(),
  });
}

export async function runFix(argv: readonly string[], deps: FixDeps): Promise<number> {
  const args = parseArgs(argv, fixFlags);
  const has = (name: string) => args.flags.has(name);
  if (helpOrVersion(args.flags, commandNamed('fix') as Command, deps.write)) return FIX_EXIT.ok;
  if (deps.env.XENDOCTOR_DAEMON) {
    throw new UsageError(
      'fix does not run inside the xendoctor daemon (XENDOCTOR_DAEMON is set): run it by hand',
    );
  }
  if (has('apply') && has('undo')) throw new UsageError('flags --apply and --undo cannot be combined');
  if (has('json') && (has('apply') || has('undo'))) {
    throw new UsageError('flag --json shows the plan only: it cannot be combined with --apply or --undo');
  }
  if (has('yes') && !has('apply') && !has('undo')) throw new UsageError('flag --yes needs --apply or --undo');
  if (has('only') && has('undo')) throw new UsageError('flag --only cannot be combined with --undo');
  const maxPositionals = has('undo') ? 1 : 0;
  if (args.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[maxPositionals])}`);
  }
  for (const id of args.flags.get('only') ?? []) {
    if (!(REMEDY_IDS as readonly string[]).includes(id))
      throw new UsageError(`flag --only: unknown remedy ${JSON.stringify(id)} (see xendoctor fix --help)`);
  }
  hostOptionsFrom(args, deps.env);
  // The same config file as the report and the daemon: a check they leave off is never fixed here.
  const config = loadConfig(
    args,
    deps.env,
    deps.probes.map((p) => p.id),
  );
  const hostOptions = config.host;
  const host = deps.host ?? createHost(hostOptions);
  const say = (line: string) => deps.write(`${line}\n`);
  const confirmed = async (question: string): Promise<boolean> => {
    if (has('yes')) return true;
    if (!deps.interactive) {
      throw new UsageError(
        `refusing to ${has('undo') ? 'undo' : 'apply'} without confirmation: not a terminal; add --yes`,
      );
    }
    return deps.confirm(question);
  };

  try {
    if (has('undo')) {
      const name = args.positionals[0];
      const backup = await findBackup(deps.fs, host.root, name);
      if (backup && backup.manifest.state !== 'undone') {
        say(
          `Backup ${backup.name} (${backup.manifest.createdAt}, remedies ${backup.manifest.remedies.join(', ')}):`,
        );
        for (const file of backup.manifest.files) {
          say(`  ${file.existed ? 'restore' : 'remove'} ${file.path}`);
        }
        if (!(await confirmed(`Restore these files${rootNote(host.root)}? [y/N] `))) {
          say('Nothing was changed.');
          return FIX_EXIT.pending;
        }
      }
      const result = await withFixLock(deps.fs, host.root, () =>
        undoBackup(name, { fs: deps.fs, say, now: deps.now, root: host.root }),
      );
      if (result.restored > 0)
        say(`Undone: ${plural(result.restored, 'file')} put back as they were before ${result.backup}.`);
      return result.failed ? FIX_EXIT.failed : FIX_EXIT.ok;
    }

    const { results } = await runReport(host, enabledProbes(deps.probes, config.checks), config.settings);
    const plan = await makePlan(results, {
      root: host.root,
      fs: deps.fs,
      only: args.flags.get('only') ?? [],
    });
    deps.write(
      has('json')
        ? `${JSON.stringify(planDocument(plan), null, 2)}\n`
        : renderPlan(plan, { applying: has('apply') }),
    );
    const toApply = plan.remedies.filter((r) => r.state === 'apply');
    const blocked = plan.remedies.some((r) => r.state === 'blocked');
    if (!has('apply')) {
      return blocked ? FIX_EXIT.failed : toApply.length > 0 ? FIX_EXIT.pending : FIX_EXIT.ok;
    }
    if (toApply.length === 0) {
      say('Nothing to change: every selected remedy is already applied (or needs a person).');
      return blocked ? FIX_EXIT.failed : FIX_EXIT.ok;
    }
    const what = `${plural(plan.files.length, 'file')}, ${plural(toApply.flatMap((r) => r.actions).length, 'command')}`;
    if (
      !(await confirmed(
        `Apply ${toApply.map((r) => r.remedy.id).join(', ')} (${what})${rootNote(host.root)}? [y/N] `,
      ))
    ) {
      say('Nothing was changed.');
      return FIX_EXIT.pending;
    }
    say('Applying:');
    const runActions =
      host.root === '/' ||
      hostOptions.path !== undefined ||
      hostOptions.replay !== undefined ||
      deps.host !== undefined;
    const result = await withFixLock(deps.fs, host.root, () =>
      applyPlan(plan, { fs: deps.fs, host, now: deps.now, runActions, say }),
    );
    if (result.backup && result.written > 0) {
      // Where the backup really is: under --root when one was given.
      const backupDir = path.join(host.root, BACKUPS_DIR, result.backup);
      say(`Backup of the old files: ${backupDir} (undo: xendoctor fix --undo ${result.backup})`);
    }
    if (!result.failed) deps.write(renderAfterwards(toApply));
    const refused = plan.remedies.filter((r) => r.state === 'blocked').map((r) => r.remedy.id);
    if (result.failed || blocked) {
      say(
        `Not done: ${result.failed ? 'something failed (see above)' : `refused: ${refused.join(', ')} (see REFUSED above)`}.`,
      );
      return FIX_EXIT.failed;
    }
    say('Done.');
    return FIX_EXIT.ok;
  } catch (error) {
    if (error instanceof FixError) {
      say(`xendoctor fix: ${error.message}`);
      return FIX_EXIT.failed;
    }
    throw error;
  }
}

const STATE_LABEL: Record<RemedyPlan['state'], string> = {
  apply: 'to apply',
  done: 'already applied',
  manual: 'by hand only',
  blocked: 'refused',
};

/** The plan for people: per remedy its diffs, the commands fix runs, and what is left to the admin. */
function renderPlan(plan: Plan, options: { applying: boolean }): string {
  const out: string[] = [];
  const where = plan.root === '/' ? '' : ` for root ${plan.root}`;
  out.push(
    options.applying
      ? `xendoctor fix: plan${where}`
      : `xendoctor fix: plan${where} (nothing is changed; xendoctor fix --apply applies it)`,
  );
  for (const id of plan.notSuggested)
    out.push('', `--only ${id}: no current finding suggests this remedy; nothing to do`);
  if (plan.remedies.length === 0) {
    out.push('', 'No finding has a remedy: nothing to fix.');
    return `${out.join('\n')}\n`;
  }
  for (const r of plan.remedies) {
    const reboot = r.remedy.reboot ? ' [reboot needed]' : '';
    out.push('', `== ${r.remedy.id} (${STATE_LABEL[r.state]}): ${r.remedy.title}${reboot}`);
    out.push(`   suggested by: ${r.checks.join(', ')}`);
    for (const problem of r.problems) out.push(`   REFUSED: ${problem}`);
    for (const step of r.steps) {
      out.push(`   edit ${step.path}: ${step.change}`);
      for (const note of step.notes) out.push(`     (${note})`);
      if (step.diff === '') out.push('     already done: the file has this change');
      else out.push(...step.diff.trimEnd().split('\n'));
    }
    if (r.actions.length > 0) {
      out.push(`   ${options.applying ? 'runs' : 'fix --apply runs'}:`);
      for (const action of r.actions) out.push(`     $ ${shellJoin(action.argv)}`);
    }
    if (r.manual.length > 0) {
      out.push('   by hand (xendoctor does not automate this):');
      for (const line of r.manual) out.push(`     ${line}`);
    }
    if (r.instructions.length > 0) {
      out.push(r.state === 'manual' || r.state === 'blocked' ? '   commands:' : '   then run yourself:');
      for (const command of r.instructions) out.push(`     $ ${command}`);
    }
    if (r.remedy.note) out.push(`   note: ${r.remedy.note}`);
  }
  const count = (state: RemedyPlan['state']) => plan.remedies.filter((r) => r.state === state).length;
  out.push(
    '',
    `${count('apply')} to apply (${plural(plan.files.length, 'file')}, ` +
      `${plural(plan.remedies.flatMap((r) => (r.state === 'apply' ? r.actions : [])).length, 'command')}), ` +
      `${count('done')} already applied, ${count('manual')} by hand only, ${count('blocked')} refused.`,
  );
  const boot = plan.remedies.filter((r) => r.remedy.reboot && (r.state === 'apply' || r.state === 'done'));
  const laterBoot = plan.remedies.filter((r) => r.remedy.reboot && !boot.includes(r));
  if (boot.length > 0) {
    // The boot loader's own command (grub-mkconfig, grub2-mkconfig, update-extlinux), as the remedies name it.
    const regenerate = [...new Set(boot.flatMap((r) => r.instructions))]
      .map((c) => c.replace(/\s+#.*$/, ''))
      .filter((c) => /^(grub2?-mkconfig|update-grub|update-extlinux)\b/.test(c));
    out.push(
      `Boot-time changes (${boot.map((r) => r.remedy.id).join(', ')}) take effect only after the commands above ` +
        `${regenerate.length > 0 ? `(${regenerate.join('; ')}) ` : ''}and a reboot: reboot needed. xendoctor never reboots.`,
    );
  }
  if (laterBoot.length > 0) {
    // fix --json counts these in rebootNeeded too: the text says the same.
    out.push(
      `Reboot needed also for ${laterBoot.map((r) => r.remedy.id).join(', ')} once done (by hand, or once no longer refused).`,
    );
  }
  return `${out.join('\n')}\n`;
}

// After a successful apply: what the admin still has to do, with the exact commands.
function renderAfterwards(applied: readonly RemedyPlan[]): string {
  const out: string[] = [];
  const commands = [...new Set(applied.flatMap((r) => r.instructions))];
  if (commands.length > 0) {
    out.push('Now run:');
    for (const command of commands) out.push(`  $ ${command}`);
  }
  const reboot = applied.filter((r) => r.remedy.reboot);
  if (reboot.length > 0) {
    out.push(`Reboot needed for ${reboot.map((r) => r.remedy.id).join(', ')} (xendoctor never reboots).`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function rootNote(root: string): string {
  return root === '/' ? '' : ` under ${root}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
