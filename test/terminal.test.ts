// Colour and width as terminal users expect them (issue 17): NO_COLOR, FORCE_COLOR, TERM=dumb, --color=WHEN,
// and the text report wrapped to the terminal (80 columns when not one) with the status column aligned.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { reportFlags } from '../src/commands.js';
import { wrap, wrapIndented } from '../src/report/wrap.js';
import { colorWhen, outputWidth, useColour } from '../src/terminal.js';
import { HOSTS } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const HOST = path.join(HOSTS, 'dom0-credit2');
const ESC = '\x1b[';

describe('colour', () => {
  it.each([
    // when, env, isTTY, expected
    ['auto', {}, true, true],
    ['auto', {}, false, false],
    ['auto', { NO_COLOR: '1' }, true, false],
    ['auto', { NO_COLOR: '' }, true, true], // no-color.org: an empty NO_COLOR does not count
    ['auto', { TERM: 'dumb' }, true, false],
    ['auto', { FORCE_COLOR: '1' }, false, true],
    ['auto', { FORCE_COLOR: '' }, false, true],
    ['auto', { FORCE_COLOR: '0' }, true, false],
    ['auto', { FORCE_COLOR: 'false' }, true, false],
    ['auto', { FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' }, false, true], // as Node's tty.getColorDepth
    ['always', { NO_COLOR: '1', TERM: 'dumb' }, false, true],
    ['never', { FORCE_COLOR: '1' }, true, false],
  ] as const)('--color=%s with %j on a terminal=%s: %s', (when, env, tty, expected) => {
    expect(useColour(when, env, tty)).toBe(expected);
  });

  it('reads --color=WHEN, bare --color (always) and --no-color (never), and rejects the rest', () => {
    const when = (argv: string[]) => {
      const args = parseArgs(argv, reportFlags);
      return colorWhen(args.flags.get('color'), args.flags.has('no-color'));
    };
    expect(when([])).toBe('auto');
    expect(when(['--color'])).toBe('always');
    expect(when(['--color=never'])).toBe('never');
    // As in ls and grep, the value needs `=`: `--color auto` is --color then an argument.
    expect(parseArgs(['--color', 'auto'], reportFlags).positionals).toEqual(['auto']);
    expect(when(['--no-color'])).toBe('never');
    expect(() => when(['--color=sometimes'])).toThrow(
      'flag --color must be auto, always or never, got "sometimes"',
    );
    expect(() => when(['--color', '--no-color'])).toThrow('contradict');
  });
});

describe('width', () => {
  it('is --width, else COLUMNS, else the terminal, else 80', () => {
    expect(outputWidth('120', { COLUMNS: '60' }, { isTTY: true, columns: 100 })).toBe(120);
    expect(outputWidth(undefined, { COLUMNS: '60' }, { isTTY: true, columns: 100 })).toBe(60);
    expect(outputWidth(undefined, {}, { isTTY: true, columns: 100 })).toBe(100);
    expect(outputWidth(undefined, {}, { isTTY: false })).toBe(80);
    expect(outputWidth(undefined, { COLUMNS: 'wide' }, {})).toBe(80);
    expect(() => outputWidth('wide', {}, {})).toThrow('flag --width must be a number of columns');
  });

  it('wraps at spaces, keeps a long word whole, and indents continuation lines', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrap('a /a/very/long/path/that/does/not/fit b', 10)).toEqual([
      'a',
      '/a/very/long/path/that/does/not/fit',
      'b',
    ]);
    expect(wrap('no wrapping at width 0', 0)).toEqual(['no wrapping at width 0']);
    const lines = wrapIndented('word '.repeat(30).trim(), 40, '  - ', '    ');
    expect(lines[0]?.startsWith('  - word')).toBe(true);
    expect(lines.slice(1).every((l) => l.startsWith('    word'))).toBe(true);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines.join(' ').replace(/\s+/g, ' ').trim()).toBe(`- ${'word '.repeat(30).trim()}`);
  });
});

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, '--replay', HOST, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout };
}

// Lines with a `$ command` are for copying: they are never wrapped; nor is one word longer than the room.
const tooWide = (text: string, width: number) =>
  text
    .split('\n')
    .filter(
      (line) => line.length > width && !line.trimStart().startsWith('$ ') && /\S\s+\S/.test(line.trim()),
    );

describe('the text report through the CLI', () => {
  it('is plain and 80 columns wide when stdout is a pipe; FORCE_COLOR and --color=always colour it', () => {
    const piped = run([]);
    expect(piped.stdout).not.toContain(ESC);
    expect(tooWide(piped.stdout, 80)).toEqual([]);
    expect(run([], { FORCE_COLOR: '1' }).stdout).toContain(`${ESC}32mOK${ESC}0m`);
    expect(run(['--color=always'], { NO_COLOR: '1' }).stdout).toContain(`${ESC}32mOK`);
    expect(run(['--color'], { TERM: 'dumb' }).stdout).toContain(`${ESC}32mOK`);
  });

  it('keeps the status column aligned and wraps what follows under it; --width 0 does not wrap', () => {
    const lines = run(['--width', '60']).stdout.split('\n');
    const checking = lines.filter((line) => line.startsWith('Checking '));
    expect(checking.length).toBe(12);
    const column = (line: string) => /\.{3,} /.exec(line)!.index + /\.{3,} /.exec(line)![0].length;
    expect(new Set(checking.map(column)).size).toBe(1);
    const statusColumn = column(checking[0] as string);
    // Narrow: the detail goes on indented lines below; wide: it wraps under the status column.
    const scheduler = lines.findIndex((line) => line.startsWith('Checking Xen vCPU scheduler'));
    expect(lines[scheduler]).toMatch(/ OK$/);
    expect(lines[scheduler + 1]).toMatch(/^ {4}\(advice: credit2/);
    const wide = run(['--width', '120']).stdout.split('\n');
    const at = wide.findIndex((line) => line.startsWith('Checking Xen vCPU scheduler'));
    expect(wide[at]).toMatch(/ OK \(advice: credit2/);
    expect(wide[at + 1]).toMatch(new RegExp(`^ {${statusColumn}}\\S`));
    expect(tooWide(wide.join('\n'), 120)).toEqual([]);
    expect(tooWide(lines.join('\n'), 60)).toEqual([]);
    const unwrapped = run(['--width', '0']).stdout;
    expect(unwrapped.split('\n').some((line) => line.length > 200)).toBe(true);
  });

  // A real terminal: util-linux `script` gives the child a pseudo-terminal of the size stty sets.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript && !process.env.CI)(
    'on a terminal: colour unless NO_COLOR or TERM=dumb, and its width',
    () => {
      const onTty = (env: string, cols: number) => {
        const inner = `stty cols ${cols}; ${env} '${process.execPath}' '${CLI}' --replay '${HOST}'`;
        const result = spawnSync('script', ['-qec', inner, '/dev/null'], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', TERM: 'xterm' },
          timeout: 60_000,
        });
        return result.stdout.replace(/\r\n/g, '\n');
      };
      const tty = onTty('', 100);
      expect(tty).toContain(`${ESC}32mOK${ESC}0m`);
      // eslint-disable-next-line no-control-regex -- removing the colour codes to measure the columns
      const plain = tty.replace(/\x1b\[[0-9;]*m/g, '');
      expect(tooWide(plain, 100)).toEqual([]);
      expect(plain.split('\n').some((line) => line.length > 80)).toBe(true);
      expect(onTty('NO_COLOR=1', 100)).not.toContain(ESC);
      expect(onTty('TERM=dumb', 100)).not.toContain(ESC);
    },
  );
});
