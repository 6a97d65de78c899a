// The systemd unit and OpenRC's conf.d give the daemon the same environment (memory settings, the daemon
// marker): one is easy to change and forget in the other.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, '$1');
}

describe('service files', () => {
  it('systemd Environment= and OpenRC conf.d exports are the same variables with the same values', () => {
    const systemd = Object.fromEntries(
      [...read('systemd/xendoctor.service').matchAll(/^Environment=(.+)$/gm)].map((m) => {
        const assignment = unquote(m[1] as string);
        const eq = assignment.indexOf('=');
        return [assignment.slice(0, eq), assignment.slice(eq + 1)];
      }),
    );
    const openrc = Object.fromEntries(
      [...read('openrc/xendoctor.confd').matchAll(/^export ([A-Z_]+)=(.+)$/gm)].map((m) => [
        m[1],
        unquote(m[2] as string),
      ]),
    );
    expect(Object.keys(systemd)).toContain('NODE_OPTIONS');
    expect(openrc).toEqual(systemd);
  });

  it('set only documented, safe node options: no forced GC, no V8 compiler flags', () => {
    const systemd = read('systemd/xendoctor.service');
    const options = /^Environment="NODE_OPTIONS=(.*)"$/m.exec(systemd)?.[1] ?? '';
    // Node's docs describe these two as tuning knobs; --expose-gc, --no-opt, --jitless... are not set.
    for (const option of options.split(' ')) expect(option).toMatch(/^--max-(semi|old)-space-size=\d+$/);
  });

  it('the daemon changes no V8 flag at run time and forces no GC', () => {
    for (const file of ['src/exporter/serve-command.ts', 'src/exporter/daemon.ts']) {
      const text = read(file);
      expect(text).not.toMatch(/setFlagsFromString|node:v8|globalThis as \{ gc/);
    }
  });
});
