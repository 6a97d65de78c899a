// The man page xendoctor(8): generated at build time from docs/xendoctor.8.md into man/xendoctor.8 (which
// npm pack ships); `man ./man/xendoctor.8` must render it, and it must name every command and exit code.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingTools, ROOT, shouldRun } from './system-helpers.js';

const PAGE = path.join(ROOT, 'man/xendoctor.8');

describe('man page source', () => {
  it('is roff for section 8, built from docs/xendoctor.8.md', () => {
    const roff = readFileSync(PAGE, 'utf8');
    expect(roff).toMatch(/^\.TH "XENDOCTOR" "8" /);
    for (const command of ['serve', 'fix', 'capture', '--replay', '--undo', 'EXIT STATUS'])
      expect(roff).toContain(command.replace(/-/g, '\\-'));
  });
});

describe.runIf(shouldRun(missingTools(['man', 'groff'])))('man ./man/xendoctor.8 (system)', () => {
  it('renders the NAME, SYNOPSIS and EXIT STATUS sections without warnings', () => {
    const result = spawnSync('man', ['--warnings', './man/xendoctor.8'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' },
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const text = result.stdout;
    expect(text).toMatch(/^XENDOCTOR\(8\)/);
    for (const heading of ['NAME', 'SYNOPSIS', 'OPTIONS', 'EXIT STATUS'])
      expect(text).toMatch(new RegExp(`^${heading}$`, 'm'));
    expect(text).toContain('xendoctor - health and diagnostics for Xen dom0 hosts');
  });
});
