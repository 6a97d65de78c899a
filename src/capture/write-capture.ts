// Writes a Recording as a replayable host folder, the layout of test/fixtures/hosts/<name>/: files under
// the folder stand for "/", commands/<name> are links to the folder's own replay.sh, and
// commands/replies/<argv joined by spaces>.{stdout,stderr,rc,sleep,signal} say what each command did.
// `planCapture` decides everything (pure); `writeCapture` only writes the plan.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Host } from '../host/host.js';
import { hostPath, type Recording } from './recording-host.js';
import type { Redactor } from './redact.js';
import { REPLAY_SCRIPT, replyKey } from './replay-script.js';

/** Names the capture itself uses at its top level; host paths under them are not captured. */
const RESERVED = new Set(['commands', 'replay.sh', 'CAPTURED.md', 'REPORT.json']);
/** How long a replayed hang sleeps: longer than any timeout the replaying seam would use. */
const HANG_SECONDS = 3600;

export type PlannedNode =
  | { kind: 'file'; bytes: Buffer }
  | { kind: 'dir' }
  | { kind: 'link'; target: string }
  /** Could not be read on the host (e.g. EOPNOTSUPP): replayed as a directory, so reading it fails too. */
  | { kind: 'unreadable'; code: string };

export interface CapturePlan {
  /** Host path -> what to create there (ancestors are created as directories). */
  nodes: Map<string, PlannedNode>;
  /** Reply file name (without folder) -> content. */
  replies: Map<string, Buffer>;
  /** Names that get a commands/<name> link to ../replay.sh. */
  commands: Set<string>;
  /** Things replay cannot reproduce exactly, for CAPTURED.md. */
  notes: string[];
}

/**
 * Turns a recording into nodes and replies. `typeOf` tells whether a path that was only listed or tested
 * (never read) is a directory; it is asked after the report ran, so it does not slow the report down.
 */
export async function planCapture(
  recording: Recording,
  typeOf: (hostFile: string) => Promise<'dir' | 'file'>,
  redactor?: Redactor,
): Promise<CapturePlan> {
  const red = (text: string) => (redactor ? redactor.text(text) : text);
  const redBytes = (bytes: Buffer) => (redactor ? redactor.bytes(bytes) : bytes);
  const nodes = new Map<string, PlannedNode>();
  const notes: string[] = [];
  const placeholders = new Set<string>();

  for (const [file, read] of recording.files) {
    if (read.kind === 'file') nodes.set(file, { kind: 'file', bytes: redBytes(read.bytes) });
    else if (read.kind === 'unreadable') {
      nodes.set(file, { kind: 'unreadable', code: read.code });
      notes.push(`${file}: unreadable on the host (${read.code}); replayed as a directory, so reading fails`);
    }
  }
  for (const [dir, names] of recording.dirs) {
    if (!names) continue;
    if (!nodes.has(dir)) nodes.set(dir, { kind: 'dir' });
    for (const name of names) placeholders.add(hostPath(`${dir}/${name}`));
  }
  for (const [file, found] of recording.exists) if (found) placeholders.add(file);

  const hasDescendant = (file: string) => {
    for (const other of nodes.keys()) if (other.startsWith(`${file}/`)) return true;
    return false;
  };
  for (const [file, target] of recording.links) {
    if (target === undefined) continue;
    const existing = nodes.get(file);
    if (existing && existing.kind !== 'dir') continue;
    if (hasDescendant(file)) {
      notes.push(
        `${file}: a link to ${target} on the host; replayed as a directory (files under it were read)`,
      );
      continue;
    }
    nodes.set(file, { kind: 'link', target: red(target) });
  }
  // Listed or tested but never read: an empty stand-in of the right type, so listings and exists() agree.
  for (const file of [...placeholders].sort()) {
    if (nodes.has(file) || hasDescendant(file)) continue;
    nodes.set(
      file,
      (await typeOf(file)) === 'dir' ? { kind: 'dir' } : { kind: 'file', bytes: Buffer.alloc(0) },
    );
  }
  // Paths the capture needs for itself.
  for (const file of [...nodes.keys()]) {
    const top = file.split('/')[1] ?? '';
    if (RESERVED.has(top)) {
      nodes.delete(file);
      notes.push(`${file}: not captured (the capture uses /${top} itself)`);
    }
  }
  // Redaction may rename a path component (a host name in a file name): apply it to the paths too.
  const redactedNodes = new Map<string, PlannedNode>();
  for (const [file, node] of nodes) redactedNodes.set(red(file), node);

  const replies = new Map<string, Buffer>();
  const commands = new Set<string>();
  for (const [name, found] of recording.which) if (found) commands.add(name);
  for (const { argv, result } of recording.commands.values()) {
    if (result.notFound) continue;
    commands.add(argv[0]);
    const key = replyKey(argv.map(red));
    replies.set(`${key}.stdout`, Buffer.from(red(result.stdout), 'utf8'));
    if (result.stderr) replies.set(`${key}.stderr`, Buffer.from(red(result.stderr), 'utf8'));
    if (result.timedOut || result.stuck || result.blockedBy) {
      // A command not even started because an earlier one was stuck is, for the checks, one that hangs.
      replies.set(`${key}.sleep`, Buffer.from(`${HANG_SECONDS}\n`));
      const why = result.blockedBy ? 'was not started (a previous one was stuck)' : 'timed out';
      notes.push(`\`${argv.join(' ')}\`: ${why} on the host; replayed as a command that hangs`);
    } else if (result.spawnError) {
      replies.set(`${key}.stderr`, Buffer.from(`${red(result.spawnError)}\n`));
      replies.set(`${key}.rc`, Buffer.from('126\n'));
      notes.push(
        `\`${argv.join(' ')}\`: could not start on the host (${result.spawnError}); replayed as exit 126`,
      );
    } else if (result.exitCode === null && result.signal) {
      replies.set(`${key}.signal`, Buffer.from(`${result.signal.replace(/^SIG/, '')}\n`));
    } else if (result.exitCode !== null && result.exitCode !== 0) {
      replies.set(`${key}.rc`, Buffer.from(`${result.exitCode}\n`));
    }
  }
  return { nodes: redactedNodes, replies, commands, notes };
}

/** Creates `outDir` (absent or empty) and writes the plan, replay.sh, CAPTURED.md and REPORT.json into it. */
export async function writeCapture(
  outDir: string,
  plan: CapturePlan,
  extras: { capturedMd: string; reportJson: string },
): Promise<void> {
  await fsp.mkdir(outDir, { recursive: true });
  const target = (file: string) => path.join(outDir, hostPath(file));
  // Directories first (shortest path first), then files and links.
  const entries = [...plan.nodes].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [file, node] of entries) {
    if (node.kind === 'dir' || node.kind === 'unreadable') await fsp.mkdir(target(file), { recursive: true });
  }
  for (const [file, node] of entries) {
    if (node.kind === 'dir' || node.kind === 'unreadable') continue;
    await fsp.mkdir(path.dirname(target(file)), { recursive: true });
    if (node.kind === 'file') await fsp.writeFile(target(file), node.bytes);
    else await fsp.symlink(node.target, target(file));
  }
  await fsp.writeFile(path.join(outDir, 'replay.sh'), REPLAY_SCRIPT, { mode: 0o755 });
  await fsp.chmod(path.join(outDir, 'replay.sh'), 0o755);
  const replies = path.join(outDir, 'commands', 'replies');
  await fsp.mkdir(replies, { recursive: true });
  for (const name of [...plan.commands].sort()) {
    await fsp.symlink('../replay.sh', path.join(outDir, 'commands', name));
  }
  for (const [name, content] of plan.replies) await fsp.writeFile(path.join(replies, name), content);
  await fsp.writeFile(path.join(outDir, 'CAPTURED.md'), extras.capturedMd);
  await fsp.writeFile(path.join(outDir, 'REPORT.json'), extras.reportJson);
}

/** Asks the host (not the recording) whether a path is a directory. */
export function hostTypeOf(host: Host): (file: string) => Promise<'dir' | 'file'> {
  return async (file) => ((await host.listDir(file).catch(() => undefined)) ? 'dir' : 'file');
}
