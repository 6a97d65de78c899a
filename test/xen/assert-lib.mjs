// What the real-Xen assertion scripts share (assert.mjs, assert-trixie.mjs, assert-openrc.mjs): the checks
// a report must list, the PASS/FAIL line, and reading what a run collected in dom0.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Every check, in report order (test/cli.test.ts checks `xendoctor --list` against it too). */
export const CHECK_IDS = [
  'cpu-virtualization',
  'xen-hypervisor',
  'xen-dom0',
  'xen-daemons',
  'grant-tables',
  'scheduler',
  'bridge-offload',
  'dom0-memory',
  'domains',
  'kernel-config',
  'bridge-redirects',
  'hypervisor-log',
];

/**
 * One PASS/FAIL line per assertion, "PASS <label>: <description>" (then " -- <why>" on a FAIL). `fn`
 * returns true, or a string saying what it saw; a throw is a FAIL with its message. `failed()` counts them.
 */
export function assertions() {
  let failed = 0;
  const check = (label, description, fn) => {
    let ok = false;
    let why = '';
    try {
      const result = fn();
      ok = result === true;
      if (!ok && typeof result === 'string') why = result;
    } catch (error) {
      why = error instanceof Error ? error.message : String(error);
    }
    if (!ok) failed++;
    console.log(`${ok ? 'PASS' : 'FAIL'} ${label}: ${description}${why ? ` -- ${why}` : ''}`);
  };
  return { check, failed: () => failed };
}

/** Reads the files a run collected in `dir`: text (undefined when missing), or JSON (undefined when not). */
export function collected(dir) {
  const read = (name) => {
    const file = path.join(dir, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  const json = (name) => {
    try {
      return JSON.parse(read(name) ?? '');
    } catch {
      return undefined;
    }
  };
  return { read, json };
}

/** A check of a JSON report by id. */
export const byId = (doc, id) => doc?.checks?.find((c) => c.id === id);

/** Every human-readable string of a check: summary, evidence, finding messages. */
export const texts = (c) =>
  c ? [c.summary, ...(c.evidence ?? []), ...(c.findings ?? []).map((f) => f.message)] : [];
