// Helpers for tests of the daemon's lifecycle: fake commands that hang until killed, a way to know they
// started (a FIFO: an event, not a sleep), and a way to find whatever they left running.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface Hanging {
  /** The folder to put first on the command path. */
  commands: string;
  /** Resolves with "pid childpid" once one instance runs (it backgrounds a `sleep` and waits for it). */
  started: Promise<string>;
}

/**
 * Fake `name` in `dir/commands` that starts a `sleep 3600` child and waits for it: a hung `xl` with a child
 * of its own. Every process it makes names `dir` (its argv or its environment), so leftovers can be found.
 */
export function hangingCommand(dir: string, name: string): Hanging {
  const commands = path.join(dir, 'commands');
  execFileSync('mkdir', ['-p', commands]);
  const fifo = path.join(dir, 'started.fifo');
  execFileSync('mkfifo', [fifo]);
  writeFileSync(
    path.join(commands, name),
    `#!/bin/sh\nPATH=/usr/bin:/bin\nXD_TEST_MARK='${dir}'\nexport XD_TEST_MARK\nsleep 3600 &\necho "$$ $!" > '${fifo}'\nwait\n`,
    { mode: 0o755 },
  );
  const started = new Promise<string>((resolve, reject) => {
    const stream = createReadStream(fifo, { encoding: 'utf8' });
    let text = '';
    stream.on('data', (chunk) => {
      text += chunk;
      const line = text.split('\n')[0];
      if (text.includes('\n') && line) {
        resolve(line);
        stream.destroy();
      }
    });
    stream.on('error', reject);
  });
  return { commands, started };
}

/** Live (not zombie) processes whose command line or environment names `marker`. */
export function processesMarked(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The state follows the command name in parentheses; Z (zombie) and X (dead) are gone already.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (cmdline.includes(marker) || environ.includes(`XD_TEST_MARK=${marker}`)) found.push(Number(entry));
    } catch {
      // gone while looking
    }
  }
  return found;
}

/** Resolves when `child`'s output (stdout + stderr) matches `pattern`; rejects if it exits first. */
export function outputMatching(
  child: ChildProcess,
  output: () => string,
  pattern: RegExp,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const match = pattern.exec(output());
      if (match) {
        child.stdout?.off('data', look);
        child.stderr?.off('data', look);
        child.off('exit', onExit);
        resolve(match);
      }
    };
    const onExit = () => reject(new Error(`exited before printing ${pattern}: ${output()}`));
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', onExit);
    look();
  });
}

/** A self-signed certificate and its key for localhost, written as `dir/tls.crt` and `dir/tls.key` (openssl). */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      'tls.key',
      '-out',
      'tls.crt',
      '-subj',
      '/CN=localhost',
      '-days',
      '2',
    ]),
    { cwd: dir, stdio: 'pipe', timeout: 30_000 },
  );
  return { cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') };
}
