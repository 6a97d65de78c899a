// Applying a plan to the host, carefully: every changed file is checked to still have the bytes the plan
// saw, its old bytes are saved with a manifest (backup.ts) before anything is written, each file is replaced
// atomically (atomic-write.ts), and a failure rolls back the files already written.
import type { RemedyAction } from '../check.js';
import type { CommandResult, Host } from '../host/host.js';
import { shellJoin } from '../remedies/quote.js';
import { VERSION } from '../version.js';
import { atomicWrite } from './atomic-write.js';
import {
  backUp,
  BACKUPS_DIR,
  type Manifest,
  type ManifestCommand,
  type ManifestFile,
  newBackupFolder,
  restore,
  writeManifest,
} from './backup.js';
import { errnoOf, FixError, type FixFs } from './fix-fs.js';
import type { FileChange, Plan } from './plan.js';
import { readTarget, resolveTarget } from './target.js';

/** Runtime actions get this long unless the remedy says otherwise. */
const ACTION_TIMEOUT_MS = 60_000;

export interface ApplyDeps {
  fs: FixFs;
  host: Host;
  now: () => Date;
  /** Whether runtime actions may run (false with --root but no --path: they would act on this machine). */
  runActions: boolean;
  /** Progress for people, one line at a time. */
  say: (line: string) => void;
}

export interface ApplyResult {
  /** Files written; 0 with nothing to do. */
  written: number;
  commandsRun: number;
  failed: boolean;
  backup?: string;
}

/**
 * Applies a plan: the changed files (backed up first, all checked before any is written, rolled back if one
 * fails), then the runtime actions of the remedies whose files all went in. Nothing to change: says so.
 */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const { fs, say } = deps;
  const applying = plan.remedies.filter((r) => r.state === 'apply');
  const files = plan.files;
  const actions = applying.flatMap((r) => r.actions.map((action) => ({ remedy: r.remedy.id, action })));
  if (files.length === 0 && actions.length === 0) {
    say('Nothing to change: every selected remedy is already applied.');
    return { written: 0, commandsRun: 0, failed: false };
  }

  // Every target is checked (same place, same bytes) before anything is written.
  for (const file of files) {
    const target = await resolveTarget(fs, plan.root, file.path);
    if (target.fsPath !== file.fsPath) {
      throw new FixError(
        file.path,
        `${file.path} now leads somewhere else than when the plan was made; nothing was changed`,
      );
    }
    const now = await readTarget(fs, target);
    if (now.hash !== file.beforeHash) {
      throw new FixError(
        file.path,
        `${file.path} changed since the plan was made; nothing was changed (run xendoctor fix again to see the new plan)`,
        'ECHANGED',
      );
    }
  }

  const { name, dir } = await newBackupFolder(fs, plan.root, deps.now());
  const manifest: Manifest = {
    format: 1,
    xendoctor: VERSION,
    createdAt: deps.now().toISOString(),
    root: plan.root,
    remedies: applying.map((r) => r.remedy.id),
    state: 'applying',
    files: [],
    commands: [],
  };
  try {
    for (const file of files) manifest.files.push(await backUp(fs, dir, file));
    await writeManifest(fs, dir, manifest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new FixError(
      BACKUPS_DIR,
      `could not save the backup (${message}); nothing was changed`,
      errnoOf(error),
    );
  }

  const written: FileChange[] = [];
  for (const file of files) {
    try {
      await atomicWrite(fs, file, file.after, {
        mode: file.mode,
        uid: file.uid,
        gid: file.gid,
        expectHash: file.beforeHash,
      });
      written.push(file);
      say(`  wrote ${file.path}${file.realPath !== file.path ? ` (-> ${file.realPath})` : ''}`);
    } catch (error) {
      say(`  FAILED ${error instanceof Error ? error.message : String(error)}`);
      const restored = await rollBack(fs, dir, written, manifest);
      manifest.state = restored ? 'rolled-back' : 'failed';
      await writeManifest(fs, dir, manifest).catch(() => undefined);
      say(
        restored
          ? written.length > 0
            ? `  rolled back ${written.map((f) => f.path).join(', ')}: every file is as it was; no command was run.`
            : '  Nothing was changed; no command was run.'
          : `  Some files could not be rolled back: restore them with xendoctor fix --undo ${name}`,
      );
      return { written: 0, commandsRun: 0, failed: true, backup: name };
    }
  }

  let failed = false;
  let commandsRun = 0;
  if (actions.length > 0 && !deps.runActions) {
    say('  Not running the commands: --root without --path would run them on this machine. Run them there:');
    for (const { action } of actions) say(`    $ ${shellJoin(action.argv)}`);
  } else {
    const broken = new Set<string>();
    for (const { remedy, action } of actions) {
      if (broken.has(remedy)) {
        say(`  skipped: ${shellJoin(action.argv)} (an earlier command of ${remedy} failed)`);
        continue;
      }
      const result = await deps.host.run(action.argv, { timeoutMs: action.timeoutMs ?? ACTION_TIMEOUT_MS });
      commandsRun++;
      manifest.commands.push(commandRecord(remedy, action, result));
      if (result.failed) {
        failed = true;
        broken.add(remedy);
        say(`  FAILED $ ${result.command}: ${whyFailed(result)}`);
      } else say(`  ran $ ${result.command}`);
    }
  }
  manifest.state = failed ? 'failed' : 'applied';
  await writeManifest(fs, dir, manifest);
  return { written: written.length, commandsRun, failed, backup: name };
}

async function rollBack(
  fs: FixFs,
  dir: string,
  written: readonly FileChange[],
  manifest: Manifest,
): Promise<boolean> {
  let ok = true;
  for (const file of [...written].reverse()) {
    const entry = manifest.files.find((f) => f.realPath === file.realPath);
    try {
      await restore(fs, dir, manifest.root, entry as ManifestFile);
    } catch {
      ok = false;
    }
  }
  return ok;
}

function commandRecord(remedy: string, action: RemedyAction, result: CommandResult): ManifestCommand {
  return {
    remedy,
    argv: [...action.argv],
    exitCode: result.exitCode,
    failed: result.failed,
    timedOut: result.timedOut,
  };
}

function whyFailed(result: CommandResult): string {
  if (result.notFound) return 'not found on the path';
  if (result.timedOut) return `timed out after ${Math.round(result.durationMs / 1000)} s`;
  if (result.spawnError) return result.spawnError;
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0]?.slice(0, 200);
  return `exit ${result.exitCode ?? result.signal}${said ? `: ${said}` : ''}`;
}
