// The command line as a user runs it: the built dist/cli.js in a child process, on fixture hosts.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { HOSTS, xendoctor } from './helpers.js';
import { CHECK_IDS } from './xen/assert-lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('xendoctor CLI', () => {
  it('knows its version, equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(xendoctor(['--version'])).toMatchObject({ code: 0, stdout: `xendoctor ${VERSION}\n` });
  });

  it('lists every check id', () => {
    const { code, stdout } = xendoctor(['--list-checks']);
    expect(code).toBe(0);
    const ids = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[0]);
    expect(ids).toEqual(CHECK_IDS);
  });

  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['--check'], /--check needs a value/],
    [['--check', 'nope'], /unknown check "nope"/],
    [['--format', 'xml'], /--format must be text, json/],
    [['--timeout', '-1'], /--timeout must be a number of seconds from 0.1 to 3600, got "-1"/],
    [['--root', '/does/not/exist'], /--root \/does\/not\/exist does not exist/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('exits 64 naming the bad input for %j', (args, message) => {
    const { code, stderr, stdout } = xendoctor(args);
    expect(code).toBe(64);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('names the variable in an environment error', () => {
    const { code, stderr } = xendoctor(['--check', 'xen-hypervisor'], { XENDOCTOR_TIMEOUT: 'soon' });
    expect(code).toBe(64);
    expect(stderr).toContain('XENDOCTOR_TIMEOUT must be a number of seconds from 0.1 to 3600, got "soon"');
  });

  it('exits 2 with JSON on a kernel booted without Xen, and the exit code matches the document', () => {
    const { code, stdout } = xendoctor([
      '--replay',
      path.join(HOSTS, 'no-xen'),
      '--json',
      '--check',
      'xen-hypervisor',
    ]);
    const doc = JSON.parse(stdout);
    expect(code).toBe(2);
    expect(doc.exitCode).toBe(2);
    expect(doc.checks).toHaveLength(1);
    expect(doc.checks[0]).toMatchObject({ id: 'xen-hypervisor', status: 'fail' });
  });

  it('reads the root from XENDOCTOR_ROOT and the command path from XENDOCTOR_PATH', () => {
    const host = path.join(HOSTS, 'dom0-domu-credit2');
    const { code, stdout } = xendoctor(['--check', 'xen-hypervisor'], {
      XENDOCTOR_ROOT: host,
      XENDOCTOR_PATH: path.join(host, 'commands'),
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/Checking kernel runs under Xen \.+ OK/);
    expect(stdout).not.toContain('\x1b['); // no colour when not on a terminal
  });

  it('colours only when asked or on a terminal', () => {
    const host = path.join(HOSTS, 'no-xen');
    const { stdout } = xendoctor(['--replay', host, '--check', 'xen-hypervisor', '--color']);
    expect(stdout).toContain('\x1b[31mFAIL\x1b[0m');
  });
});
