// Shell completion generated from the flag definitions (issue 17): sourced in a real bash (`complete -p`,
// then the completion function driven as bash drives it), and in zsh when it is installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, fixFlags, reportFlags, serveFlags } from '../src/commands.js';
import { bashCompletion, zshCompletion } from '../src/completion.js';
import { probes } from '../src/probes/index.js';
import { REMEDY_IDS } from '../src/remedies/ids.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xd-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bashScript = path.join(dir, 'xendoctor.bash');
writeFileSync(bashScript, bashCompletion());

const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

/** What bash offers for the words typed so far (the last one is being completed). */
function complete(...words: string[]): string[] {
  const array = ['xendoctor', ...words].map((w) => `'${w}'`).join(' ');
  const script = `source '${bashScript}'; COMP_WORDS=(${array}); COMP_CWORD=${words.length}; _xendoctor; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

describe.skipIf(!has('bash') && !process.env.CI)('bash completion', () => {
  it('registers itself for xendoctor', () => {
    const result = spawnSync('bash', ['-c', `source '${bashScript}'; complete -p xendoctor`], {
      encoding: 'utf8',
    });
    expect(result.stdout.trim()).toBe('complete -F _xendoctor xendoctor');
  });

  it('completes subcommands, and every flag of a subcommand from its definition', () => {
    expect(complete('')).toEqual(COMMANDS.map((c) => c.name).filter((n) => n !== 'report'));
    expect(complete('se')).toEqual(['serve']);
    expect(complete('--')).toEqual(Object.keys(reportFlags).map((f) => `--${f}`));
    expect(complete('serve', '--web.')).toEqual(
      Object.keys(serveFlags)
        .filter((f) => f.startsWith('web.'))
        .map((f) => `--${f}`),
    );
    expect(complete('fix', '--')).toEqual(Object.keys(fixFlags).map((f) => `--${f}`));
    expect(complete('fix', '-')).toContain('-h');
  });

  it('completes check ids, remedy ids and fixed values', () => {
    expect(complete('--check', '')).toEqual(probes.map((p) => p.id));
    expect(complete('--json', '--disable-check', 'xen-d')).toEqual(['xen-dom0', 'xen-daemons']);
    expect(complete('fix', '--only', '')).toEqual([...REMEDY_IDS]);
    expect(complete('fix', '--only', 'se')).toEqual(['send-redirects-off']);
    expect(complete('--format', '')).toEqual(['text', 'json', 'nagios', 'prometheus']);
    expect(complete('completion', '')).toEqual(['bash', 'zsh']);
    expect(complete('help', 'f')).toEqual(['fix']);
  });

  it('completes folders for --root', () => {
    const root = path.join(dir, 'a-root-folder');
    spawnSync('mkdir', [root]);
    expect(complete('--root', path.join(dir, 'a-root'))).toEqual([root]);
  });
});

describe.skipIf(!has('zsh') && !process.env.CI)('zsh completion', () => {
  it('loads in zsh with compinit and registers _xendoctor for xendoctor', () => {
    const file = path.join(dir, '_xendoctor');
    writeFileSync(file, zshCompletion());
    const script = `autoload -U compinit && compinit -u -D; source '${file}'; print -r -- "$_comps[xendoctor]"`;
    const result = spawnSync('zsh', ['-f', '-c', script], {
      encoding: 'utf8',
      env: { HOME: dir, PATH: process.env.PATH ?? '' },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('_xendoctor');
  });

  it('names every check id and remedy id for the flags that take them', () => {
    const text = zshCompletion();
    for (const probe of probes) expect(text).toContain(probe.id);
    for (const id of REMEDY_IDS) expect(text).toContain(id);
    expect(text).toMatch(/'\*--only=\[[^\]]*\]:ID:\(autoballoon-off /);
  });
});

describe('remedy ids', () => {
  it('lists every remedy a remedy file defines (fix --only and the completion use the list)', () => {
    const remedies = path.join(path.dirname(new URL(import.meta.url).pathname), '../src/remedies');
    const ids = new Set<string>();
    for (const name of spawnSync('ls', [remedies], { encoding: 'utf8' }).stdout.split('\n')) {
      if (!name.endsWith('.ts')) continue;
      const text = readFileSync(path.join(remedies, name), 'utf8');
      for (const m of text.matchAll(/^\s+id: '([a-z0-9-]+)',$/gm)) ids.add(m[1] as string);
    }
    expect(ids.size).toBeGreaterThan(10);
    expect([...ids].sort()).toEqual([...REMEDY_IDS].sort());
  });
});
