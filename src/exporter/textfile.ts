// `xendoctor report --format prometheus [--output FILE]`: one run's metrics for node_exporter's textfile
// collector, run from cron. The file is written to a temporary name in the same folder and renamed, so the
// collector never reads half a file (it only reads *.prom, so the dot-prefixed temp name is ignored).
// No process metrics (they would describe this short-lived process) and no command_timeouts_total (a
// counter that restarts at every run misleads rate()); a timed-out command shows as check_status 3.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { CheckResult } from '../check.js';
import { buildRegistry, CACHED } from './metrics.js';

/** What the HELP texts say of where a textfile's values come from. */
export const TEXTFILE_NOTE = 'Written by one `xendoctor --format prometheus` run.';

/** The text exposition of one report run. */
export async function renderOnce(
  results: readonly CheckResult[],
  finishedAt: number = Date.now(),
): Promise<string> {
  const text = await buildRegistry(
    { runs: results.map((result) => ({ result, finishedAt })) },
    'prometheus',
  ).metrics();
  // The daemon's HELP texts say they come from its schedule; this file comes from one cron run.
  return text.replaceAll(` ${CACHED}`, ` ${TEXTFILE_NOTE}`);
}

/** Writes `text` to `file` atomically (temp file in the same folder, then rename). */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await fsp.writeFile(temp, text, { mode: 0o644 });
    await fsp.rename(temp, file);
  } catch (caught) {
    await fsp.rm(temp, { force: true });
    throw caught;
  }
}
