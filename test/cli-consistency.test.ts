// The same mistake gives the same exit code and message shape on every subcommand (issue 17), and the
// discoverability flags (-h, -V, help COMMAND, --list-checks --json) work everywhere they apply.
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { probes } from '../src/probes/index.js';
import { xendoctor } from './helpers.js';

// capture needs --out before it looks at anything else; it never gets this far (each case is an error).
const SUBCOMMANDS: [string, string[]][] = [
  ['report', []],
  ['serve', []],
  ['fix', []],
  ['capture', ['--out', '/nonexistent/xd-capture-out']],
];

const MISTAKES: [string, string[], number, RegExp][] = [
  ['an unknown flag', ['--bogus'], 64, /^xendoctor: unknown flag --bogus\n$/],
  [
    'a single-dash long flag',
    ['-root', '/'],
    64,
    /^xendoctor: unknown flag -root \(did you mean --root\?\)\n$/,
  ],
  ['a flag without its value', ['--root'], 64, /^xendoctor: flag --root needs a value\n$/],
  ['a flag given twice', ['--root', '/', '--root', '/'], 64, /^xendoctor: flag --root given twice\n$/],
  ['a value on a switch', ['--help=yes'], 64, /^xendoctor: flag --help takes no value\n$/],
  [
    'a missing --replay folder',
    ['--replay', '/nonexistent'],
    64,
    /^xendoctor: --replay \/nonexistent does not exist\n$/,
  ],
  [
    'a missing --root folder',
    ['--root', '/nonexistent'],
    64,
    /^xendoctor: --root \/nonexistent does not exist\n$/,
  ],
  [
    'a bad timeout',
    ['--timeout', 'soon'],
    64,
    /^xendoctor: --timeout must be a number of seconds from 0.1 to 3600, got "soon"\n$/,
  ],
  ['a stray argument', ['stray'], 64, /^xendoctor: unexpected argument "stray"\n$/],
];

describe('the same mistake, the same exit code and message, on every subcommand', () => {
  const cases = SUBCOMMANDS.flatMap(([command, base]) =>
    MISTAKES.map(
      ([what, args, code, message]) => [command, what, [command, ...base, ...args], code, message] as const,
    ),
  );
  it.each(cases)('%s: %s', (_command, _what, argv, code, message) => {
    const run = xendoctor([...argv]);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
  });

  it.each([
    [
      'report --check',
      ['--check', 'nope'],
      /^xendoctor: flag --check: unknown check "nope" \(see --list-checks\)\n$/,
    ],
    [
      'report --disable-check',
      ['--disable-check', 'nope'],
      /^xendoctor: flag --disable-check: unknown check "nope"/,
    ],
    [
      'serve --disable-check',
      ['serve', '--disable-check', 'nope'],
      /^xendoctor: flag --disable-check: unknown check "nope"/,
    ],
    [
      'fix --disable-check',
      ['fix', '--disable-check', 'nope'],
      /^xendoctor: flag --disable-check: unknown check "nope"/,
    ],
    [
      'fix --only',
      ['fix', '--only', 'nope'],
      /^xendoctor: flag --only: unknown remedy "nope" \(see xendoctor fix --help\)\n$/,
    ],
  ])('an unknown id on %s is a usage error (64)', (_what, argv, message) => {
    const run = xendoctor(argv);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(64);
  });

  it.each([['report'], ['serve'], ['fix']])(
    '%s: a config file that cannot be read is EX_CONFIG (78)',
    (command) => {
      const run = xendoctor([command, '--config', '/nonexistent/config.json']);
      expect(run.stderr).toMatch(
        /^xendoctor: bad configuration: cannot read config file \/nonexistent\/config.json/,
      );
      expect(run.code).toBe(78);
    },
  );
});

describe('discoverability', () => {
  it.each([['report'], ['serve'], ['fix'], ['capture'], ['completion']])(
    '%s: -h, --help and help COMMAND print the same help, listing every flag; -V the version',
    (command) => {
      const help = xendoctor([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: xendoctor (\\[)?${command}`));
      expect(xendoctor([command, '-h']).stdout).toBe(help.stdout);
      expect(xendoctor(['help', command]).stdout).toBe(help.stdout);
      expect(help.stdout).toContain('-V, --version');
      expect(xendoctor([command, '-V'])).toMatchObject({ code: 0, stdout: `xendoctor ${VERSION}\n` });
      // Every line fits in 80 columns when stdout is not a terminal.
      expect(help.stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
    },
  );

  it('shows defaults and environment variables in --help', () => {
    const serve = xendoctor(['serve', '--help']).stdout.replace(/\s+/g, ' ');
    expect(serve).toContain(
      '--web.listen-address ADDR where to listen (config: listenAddress) (default :19936; env XENDOCTOR_LISTEN_ADDRESS)',
    );
    const report = xendoctor(['--help']).stdout.replace(/\s+/g, ' ');
    expect(report).toContain('(default 10; env XENDOCTOR_TIMEOUT)');
    expect(report).toContain('Commands: report');
  });

  it('help with an unknown command is a usage error', () => {
    expect(xendoctor(['help', 'frobnicate'])).toMatchObject({ code: 64, stdout: '' });
  });

  it('--list-checks --json prints JSON: every id with its title', () => {
    const run = xendoctor(['--list-checks', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(probes.map((p) => ({ id: p.id, title: p.title })));
  });
});
