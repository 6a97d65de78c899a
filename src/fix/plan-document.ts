// `xendoctor fix --json`: the plan for machines (config management deciding whether and what to apply).
// The same content as the text plan: per remedy its state, diffs, commands and reboot flag, then the files
// with the hashes --apply will insist on. Nothing is applied in this mode.
import { VERSION } from '../version.js';
import { sha256 } from './fix-fs.js';
import type { Plan, RemedyState } from './plan.js';

export interface PlanDocument {
  xendoctor: string;
  root: string;
  summary: Record<RemedyState, number> & { files: number; commands: number; rebootNeeded: boolean };
  /** --only ids that no current finding suggests. */
  notSuggested: string[];
  remedies: {
    id: string;
    title: string;
    state: RemedyState;
    reboot: boolean;
    suggestedBy: string[];
    /** Why it was refused (state "blocked"). */
    problems: string[];
    edits: { path: string; change: string; diff: string; alreadyDone: boolean; notes: string[] }[];
    /** What --apply runs, as argv (no shell). */
    commands: string[][];
    /** What only a person can change, and commands left to the admin (grub-mkconfig...). */
    manual: string[];
    instructions: string[];
    note?: string;
  }[];
  files: {
    path: string;
    realPath: string;
    existed: boolean;
    /** sha256 of the bytes the plan read: --apply refuses if the file no longer has them. */
    sha256Before: string | null;
    sha256After: string;
    mode: string;
    remedies: string[];
  }[];
}

export function planDocument(plan: Plan): PlanDocument {
  const count = (state: RemedyState) => plan.remedies.filter((r) => r.state === state).length;
  const applying = plan.remedies.filter((r) => r.state === 'apply');
  return {
    xendoctor: VERSION,
    root: plan.root,
    summary: {
      apply: count('apply'),
      done: count('done'),
      manual: count('manual'),
      blocked: count('blocked'),
      files: plan.files.length,
      commands: applying.flatMap((r) => r.actions).length,
      // A listed remedy that needs a reboot, whatever its state: applied, to apply, by hand or refused.
      rebootNeeded: plan.remedies.some((r) => r.remedy.reboot),
    },
    notSuggested: plan.notSuggested,
    remedies: plan.remedies.map((r) => ({
      id: r.remedy.id,
      title: r.remedy.title,
      state: r.state,
      reboot: Boolean(r.remedy.reboot),
      suggestedBy: r.checks,
      problems: r.problems,
      edits: r.steps.map((step) => ({
        path: step.path,
        change: step.change,
        diff: step.diff,
        alreadyDone: step.diff === '',
        notes: step.notes,
      })),
      commands: r.actions.map((action) => [...action.argv]),
      manual: r.manual,
      instructions: r.instructions,
      ...(r.remedy.note ? { note: r.remedy.note } : {}),
    })),
    files: plan.files.map((file) => ({
      path: file.path,
      realPath: file.realPath,
      existed: file.existed,
      sha256Before: file.beforeHash ?? null,
      sha256After: sha256(file.after),
      mode: `0${file.mode.toString(8)}`,
      remedies: file.remedies,
    })),
  };
}
