// From a report's findings to a plan: which remedies apply, the exact diff of every file they change, the
// commands fix may run, and what is left to the admin (grub-mkconfig, a reboot, edits xendoctor does not
// automate). Making a plan reads files and changes nothing. Remedies that edit the same file are composed
// in report order, so the diffs shown add up to exactly what --apply writes.
import type { CheckResult, FileEdit, Remedy, RemedyAction } from '../check.js';
import { FixError, type FixFs } from './fix-fs.js';
import { readTarget, readUnderRoot, resolveTarget, type Target } from './target.js';
import { applyEdit, EditError } from './edits/index.js';
import { menuLstInstructions } from './edits/menu-lst.js';
import { unifiedDiff } from './edits/unified-diff.js';
import { shellJoin } from '../remedies/quote.js';

/** The combined change to one file, over every remedy in the plan that edits it. */
export interface FileChange {
  path: string;
  realPath: string;
  fsPath: string;
  existed: boolean;
  before: string | undefined;
  /** sha256 of the bytes the plan read; undefined for a file that does not exist yet. */
  beforeHash: string | undefined;
  after: string;
  /** Mode to write, and the mode/owner the file had (kept). */
  mode: number;
  modeBefore?: number;
  uid?: number;
  gid?: number;
  remedies: string[];
}

/** One remedy's own edit of one file, as a diff against the file as earlier remedies left it. */
export interface RemedyStep {
  path: string;
  change: string;
  diff: string;
  notes: string[];
}

/**
 * apply: something to write or run; done: every edit is already in place (a reboot may still be due);
 * manual: xendoctor cannot automate it, only say what to do; blocked: an edit was refused (see problems).
 */
export type RemedyState = 'apply' | 'done' | 'manual' | 'blocked';

export interface RemedyPlan {
  remedy: Remedy;
  /** Ids of the checks that suggested it, and the worst of their statuses. */
  checks: string[];
  state: RemedyState;
  steps: RemedyStep[];
  /** Changes only a person can make (files without an automated edit, a GRUB legacy menu). */
  manual: string[];
  /** Commands --apply runs. */
  actions: RemedyAction[];
  /** Commands --apply does not run: the admin runs them afterwards (grub-mkconfig, mount...). */
  instructions: string[];
  problems: string[];
}

export interface Plan {
  root: string;
  remedies: RemedyPlan[];
  /** Files that change, in the order they are first edited. */
  files: FileChange[];
  /** --only ids that no current finding suggests. */
  notSuggested: string[];
}

const GRUB_MKCONFIG = 'grub-mkconfig -o /boot/grub/grub.cfg   # Debian/Ubuntu: update-grub';
const LEGACY_MENUS = ['/boot/grub/menu.lst', '/boot/grub/grub.conf'];
// Commands that only restate a file edit by hand (sed -i ... /etc/xen/xl.conf): shown only when fix cannot
// make the edit itself.
const BY_HAND = /^\s*(sed|grep|echo|printf|tee|cat|cp)\s/;

interface FileState {
  target: Target;
  before: string | undefined;
  beforeHash: string | undefined;
  text: string | undefined;
  mode: number;
  remedies: string[];
}

/**
 * The remedies of every warn/fail check, deduplicated by id, in report order (optionally only some). An
 * advice's remedy (an ok check's) is planned only when `--only` names it: a tuning is the admin's choice.
 */
export function suggestedRemedies(
  results: readonly CheckResult[],
  only: readonly string[] = [],
): { remedies: { remedy: Remedy; checks: string[] }[]; notSuggested: string[] } {
  const byId = new Map<string, { remedy: Remedy; checks: string[] }>();
  for (const result of results) {
    const flagged = result.status === 'warn' || result.status === 'fail';
    const advised = result.status === 'ok' && result.findings.some((f) => f.severity === 'advice');
    if (!flagged && !advised) continue;
    for (const remedy of result.remedies) {
      if (!flagged && !only.includes(remedy.id)) continue;
      const seen = byId.get(remedy.id);
      if (seen) seen.checks.push(result.id);
      else byId.set(remedy.id, { remedy, checks: [result.id] });
    }
  }
  const all = [...byId.values()];
  return {
    remedies: only.length === 0 ? all : all.filter((r) => only.includes(r.remedy.id)),
    notSuggested: only.filter((id) => !byId.has(id)),
  };
}

export async function makePlan(
  results: readonly CheckResult[],
  options: { root: string; fs: FixFs; only?: readonly string[] },
): Promise<Plan> {
  const { remedies, notSuggested } = suggestedRemedies(results, options.only);
  const files = new Map<string, FileState>();
  const plans: RemedyPlan[] = [];
  for (const { remedy, checks } of remedies) {
    plans.push(await planRemedy(remedy, checks, files, options));
  }
  const changes: FileChange[] = [];
  for (const state of files.values()) {
    const modeBefore = state.target.stat ? state.target.stat.mode & 0o7777 : undefined;
    if (state.text === undefined || (state.text === state.before && state.mode === modeBefore)) continue;
    changes.push({
      path: state.target.path,
      realPath: state.target.realPath,
      fsPath: state.target.fsPath,
      existed: state.target.exists,
      before: state.before,
      beforeHash: state.beforeHash,
      after: state.text,
      mode: state.mode,
      ...(modeBefore !== undefined ? { modeBefore } : {}),
      ...(state.target.stat ? { uid: state.target.stat.uid, gid: state.target.stat.gid } : {}),
      remedies: state.remedies,
    });
  }
  return { root: options.root, remedies: plans, files: changes, notSuggested };
}

async function planRemedy(
  remedy: Remedy,
  checks: string[],
  files: Map<string, FileState>,
  options: { root: string; fs: FixFs },
): Promise<RemedyPlan> {
  const steps: RemedyStep[] = [];
  const manual: string[] = [];
  const problems: string[] = [];
  // Edits are tried on copies; they join the plan only if every edit of this remedy works.
  const pending = new Map<string, { text: string; mode: number }>();
  let grubEdited = false;

  for (const file of remedy.files) {
    if (!file.edit) {
      manual.push(`${file.path}: ${file.change}`);
      continue;
    }
    try {
      const state = await fileState(file.path, files, options);
      if (state === undefined) {
        // No /etc/default/grub: a GRUB legacy host gets instructions, not an edit.
        const legacy = file.edit.kind === 'xen-cmdline' ? await legacyMenu(options) : undefined;
        if (legacy && file.edit.kind === 'xen-cmdline') {
          manual.push(...menuLstInstructions(legacy.text, file.edit.set, legacy.file));
          continue;
        }
        throw new FixError(
          file.path,
          `${file.path}: no such file, and no GRUB legacy menu either; add ${describeSet(file.edit)} to Xen's ` +
            'command line in your boot loader by hand (xen.cfg for EFI boot)',
          'ENOENT',
        );
      }
      const key = state.target.realPath;
      const current = pending.get(key)?.text ?? state.text;
      const edited = applyEdit(file.path, current, file.edit);
      const mode =
        file.edit.kind === 'write-file' && file.edit.mode !== undefined
          ? file.edit.mode
          : (pending.get(key)?.mode ?? state.mode);
      pending.set(key, { text: edited.text, mode });
      const notes = [...edited.notes];
      if (mode !== state.mode && state.target.exists) {
        notes.push(`mode ${octal(state.mode)} -> ${octal(mode)}`);
      }
      const label = state.target.realPath.slice(1);
      steps.push({
        path: file.path,
        change: file.change,
        diff: unifiedDiff(current ?? '', edited.text, {
          from: current === undefined ? '/dev/null' : `a/${label}`,
          to: `b/${label}`,
        }),
        notes:
          state.target.realPath !== file.path
            ? [`${file.path} -> ${state.target.realPath}`, ...notes]
            : notes,
      });
      if (file.edit.kind === 'xen-cmdline' && edited.text !== current) grubEdited = true;
    } catch (error) {
      if (error instanceof EditError || error instanceof FixError) problems.push(error.message);
      else throw error;
    }
  }

  const actions = remedy.actions ?? [];
  const actionTexts = new Set(actions.map((a) => shellJoin(a.argv)));
  const automated = remedy.files.filter((f) => f.edit).map((f) => f.path);
  const instructions = remedy.commands.filter(
    (command) =>
      !actionTexts.has(command) && !(BY_HAND.test(command) && automated.some((p) => command.includes(p))),
  );
  if (grubEdited && !instructions.some((c) => /grub2?-mkconfig|update-grub/.test(c))) {
    instructions.push(GRUB_MKCONFIG);
  }

  let state: RemedyState;
  if (problems.length > 0) state = 'blocked';
  else if (
    actions.length > 0 ||
    steps.some((s) => s.diff !== '' || s.notes.some((n) => n.startsWith('mode ')))
  ) {
    state = 'apply';
  } else if (steps.length > 0) state = 'done';
  else state = 'manual';

  if (state !== 'blocked') {
    for (const [key, { text, mode }] of pending) {
      const file = files.get(key) as FileState;
      file.text = text;
      file.mode = mode;
      if (!file.remedies.includes(remedy.id)) file.remedies.push(remedy.id);
    }
  }
  return {
    remedy,
    checks,
    state,
    steps,
    manual,
    actions: state === 'blocked' ? [] : actions,
    instructions,
    problems,
  };
}

// The state of a file, read once per plan; undefined when it does not exist and cannot be created here.
async function fileState(
  file: string,
  files: Map<string, FileState>,
  options: { root: string; fs: FixFs },
): Promise<FileState | undefined> {
  const target = await resolveTarget(options.fs, options.root, file);
  const known = files.get(target.realPath);
  if (known) return known;
  const { text, hash } = await readTarget(options.fs, target);
  if (text === undefined && file === '/etc/default/grub') return undefined;
  const state: FileState = {
    target,
    before: text,
    beforeHash: hash,
    text,
    mode: target.stat ? target.stat.mode & 0o7777 : 0o644,
    remedies: [],
  };
  files.set(target.realPath, state);
  return state;
}

async function legacyMenu(options: {
  root: string;
  fs: FixFs;
}): Promise<{ file: string; text: string } | undefined> {
  for (const file of LEGACY_MENUS) {
    const text = await readUnderRoot(options.fs, options.root, file);
    if (text !== undefined) return { file, text };
  }
  return undefined;
}

function describeSet(edit: FileEdit): string {
  if (edit.kind !== 'xen-cmdline') return 'the change';
  return Object.entries(edit.set)
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`))
    .join(' ');
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
