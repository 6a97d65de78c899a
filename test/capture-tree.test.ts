// Issue 12, item 6: `capture --root` does not follow a link out of the tree (the seam refuses with EXDEV).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capture } from '../src/capture/capture-command.js';
import { createHost } from '../src/host/host.js';
import { HOSTS } from './helpers.js';

const SECRET = 'SECRET-OUTSIDE-THE-TREE';

/** Every file's text under a folder (links not followed). */
function allText(dir: string): string {
  let out = '';
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out += allText(full);
    else if (entry.isFile()) out += readFileSync(full, 'utf8');
  }
  return out;
}

describe('a --root tree with links out of it', () => {
  it('reads and captures nothing from outside the tree', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'xendoctor-outside-'));
    writeFileSync(path.join(outside, 'secret'), `${SECRET}\n`);
    const root = mkdtempSync(path.join(tmpdir(), 'xendoctor-tree-'));
    cpSync(path.join(HOSTS, 'dom0-credit2'), root, { recursive: true, verbatimSymlinks: true });
    rmSync(path.join(root, 'proc/cpuinfo'));
    symlinkSync(path.join(outside, 'secret'), path.join(root, 'proc/cpuinfo')); // absolute
    rmSync(path.join(root, 'proc/mounts'));
    symlinkSync(
      path.relative(path.join(root, 'proc'), path.join(outside, 'secret')),
      path.join(root, 'proc/mounts'),
    );
    writeFileSync(path.join(root, 'etc/hostname'), 'inside\n');
    symlinkSync(outside, path.join(root, 'etc/escape'));

    // What `xendoctor capture --root` makes.
    const host = createHost({
      root,
      path: [path.join(HOSTS, 'dom0-credit2', 'commands')],
      confineToRoot: true,
    });
    await expect(host.readFile('/proc/cpuinfo')).rejects.toMatchObject({ code: 'EXDEV' });
    await expect(host.readFile('/proc/mounts')).rejects.toMatchObject({ code: 'EXDEV' });
    await expect(host.listDir('/etc/escape')).rejects.toMatchObject({ code: 'EXDEV' });
    await expect(host.readFile('/etc/escape/secret')).rejects.toMatchObject({ code: 'EXDEV' });
    expect(await host.readFile('/etc/hostname')).toBe('inside\n');

    const out = path.join(mkdtempSync(path.join(tmpdir(), 'xendoctor-capture-')), 'cap');
    await capture(host, out);
    expect(allText(out)).not.toContain(SECRET);
  });
});
