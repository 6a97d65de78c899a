// `xendoctor fix --undo`: finding a backup and restoring its files.
import { shellJoin } from '../remedies/quote.js';
import type { ApplyDeps } from './apply.js';
import {
  BACKUPS_DIR,
  listBackups,
  type Manifest,
  type ManifestFile,
  readManifest,
  restore,
  writeManifest,
} from './backup.js';
import { FixError, type FixFs } from './fix-fs.js';
import { readTarget, resolveTarget } from './target.js';

export interface UndoResult {
  backup?: string;
  restored: number;
  failed: boolean;
}

/**
 * A backup to undo: the named one, or the newest that changed files and is not undone or rolled back;
 * backups without a readable manifest are passed over (told to `onSkip`) unless named.
 */
export async function findBackup(
  fs: FixFs,
  root: string,
  name: string | undefined,
  onSkip?: (name: string, reason: string) => void,
): Promise<{ name: string; dir: string; manifest: Manifest } | undefined> {
  if (name !== undefined && !/^\d{8}T\d{6}Z(-\d+)?$/.test(name)) {
    throw new FixError(
      name,
      `no backup named ${JSON.stringify(name)} (backup names look like 20261121T102854Z)`,
    );
  }
  const names = await listBackups(fs, root);
  if (name !== undefined) {
    if (!names.includes(name)) throw new FixError(name, `no backup ${name} under ${BACKUPS_DIR}`);
    return { name, ...(await readManifest(fs, root, name)) };
  }
  for (const candidate of [...names].reverse()) {
    // A fix killed (-9) between creating its backup folder and writing the manifest leaves a folder
    // without one; it changed nothing yet (files are written only after the manifest), so look further.
    let read: Awaited<ReturnType<typeof readManifest>>;
    try {
      read = await readManifest(fs, root, candidate);
    } catch (error) {
      if (!(error instanceof FixError)) throw error;
      onSkip?.(candidate, error.message);
      continue;
    }
    const { state, files } = read.manifest;
    if (state !== 'undone' && state !== 'rolled-back' && files.length > 0)
      return { name: candidate, ...read };
  }
  return undefined;
}

/**
 * Restores the files of a backup (see findBackup) byte for byte, with their mode and owner, and removes
 * files fix created. Every file is checked first: one that changed since fix wrote it stops the undo before
 * anything is touched. Runtime commands are not undone; they are listed.
 */
export async function undoBackup(
  name: string | undefined,
  deps: Pick<ApplyDeps, 'fs' | 'say' | 'now'> & { root: string },
): Promise<UndoResult> {
  const { fs, say, root } = deps;
  const chosen = await findBackup(fs, root, name, (skipped, reason) =>
    say(`Skipping incomplete backup ${skipped} (${reason}).`),
  );
  if (!chosen) {
    say(`Nothing to undo: no backup under ${BACKUPS_DIR} with changes that are not undone yet.`);
    return { restored: 0, failed: false };
  }
  const { dir, manifest } = chosen;
  if (manifest.state === 'undone') {
    say(
      `Backup ${chosen.name} was already undone at ${manifest.undoneAt ?? 'an earlier run'}; nothing changed.`,
    );
    return { backup: chosen.name, restored: 0, failed: false };
  }

  // Check all first: a file edited since the apply is the admin's now, and a partial undo helps nobody.
  const todo: ManifestFile[] = [];
  for (const entry of manifest.files) {
    const target = await resolveTarget(fs, root, entry.realPath);
    const now = await readTarget(fs, target);
    if (now.hash === (entry.existed ? entry.before : undefined)) continue;
    if (now.hash !== entry.after) {
      const saved = entry.backup ? ` (the old copy is ${BACKUPS_DIR}/${chosen.name}/${entry.backup})` : '';
      throw new FixError(
        entry.path,
        `${entry.path} changed since xendoctor wrote it: not undoing anything${saved}; restore it by hand if that is still what you want`,
        'ECHANGED',
      );
    }
    todo.push(entry);
  }
  let restored = 0;
  for (const entry of [...todo].reverse()) {
    await restore(fs, dir, root, entry);
    restored++;
    say(`  ${entry.existed ? 'restored' : 'removed'} ${entry.path}`);
  }
  if (todo.length === 0) say(`  every file of ${chosen.name} already has its old content`);
  manifest.state = 'undone';
  manifest.undoneAt = deps.now().toISOString();
  await writeManifest(fs, dir, manifest);
  const ran = manifest.commands.filter((c) => !c.failed);
  if (ran.length > 0) {
    say(
      '  Commands that ran are not undone (their effect ends at the next reboot unless the restored files keep it):',
    );
    for (const c of ran) say(`    $ ${shellJoin(c.argv)}`);
  }
  return { backup: chosen.name, restored, failed: false };
}
