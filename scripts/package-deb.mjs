#!/usr/bin/env node
// Builds xendoctor_<version>_all.deb from dist/ with dpkg-deb alone (no debhelper, no network): the bundle in
// /usr/lib/xendoctor, a /usr/bin/xendoctor launcher, the systemd unit, the OpenRC script and conf.d, config
// under /etc as conffiles, the man page when man/xendoctor.8 exists. Run by `npm run package:deb` after a build.
// usage: node scripts/package-deb.mjs [OUTPUT_DIR]        (default: the repository)
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
// Who answers for the package: set DEB_MAINTAINER when publishing it.
const MAINTAINER = process.env.DEB_MAINTAINER ?? 'xendoctor maintainers <xendoctor@example.org>';
const out = path.resolve(process.argv[2] ?? ROOT);
const version = pkg.version;
// Debian versions allow [0-9A-Za-z.+~-]; package.json's semver could hold something else.
if (!/^[0-9][0-9A-Za-z.+~-]*$/.test(version))
  throw new Error(`package.json version ${JSON.stringify(version)} is not a Debian version`);
if (!existsSync(path.join(ROOT, 'dist/cli.js'))) throw new Error('no dist/cli.js: run npm run build first');

const stage = mkdtempSync(path.join(tmpdir(), 'xendoctor-deb-'));
// mkdtemp makes it 0700: the package's root directory must be 0755.
chmodSync(stage, 0o755);
try {
  const put = (file, text, mode = 0o644) => {
    const target = path.join(stage, file);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, text);
    chmodSync(target, mode);
  };
  const from = (file) => readFileSync(path.join(ROOT, file));

  // The bundle, with a package.json so Node loads its .js files as ES modules.
  cpSync(path.join(ROOT, 'dist'), path.join(stage, 'usr/lib/xendoctor'), { recursive: true });
  for (const file of readdirSync(path.join(stage, 'usr/lib/xendoctor')))
    chmodSync(path.join(stage, 'usr/lib/xendoctor', file), file === 'cli.js' ? 0o755 : 0o644);
  put(
    'usr/lib/xendoctor/package.json',
    `${JSON.stringify({ name: pkg.name, version, type: 'module', private: true }, null, 2)}\n`,
  );
  // The launcher: dist/cli.js checks the Node version before loading anything else (src/cli.ts).
  put(
    'usr/bin/xendoctor',
    '#!/bin/sh\n# xendoctor: runs the bundle in /usr/lib/xendoctor with the system\'s Node.js.\nexec /usr/bin/node /usr/lib/xendoctor/cli.js "$@"\n',
    0o755,
  );
  // Service files as in the repository: they find /usr/bin/xendoctor themselves (docs/decisions/0001-...).
  put('lib/systemd/system/xendoctor.service', from('systemd/xendoctor.service'));
  // Debian's init.d holds LSB scripts for sysvinit and systemd's generator: the OpenRC script waits in
  // /usr/share for `install -D` on a dom0 booted with OpenRC (docs/install.md).
  put('usr/share/xendoctor/openrc/xendoctor', from('openrc/xendoctor'), 0o755);
  put('usr/share/xendoctor/openrc/xendoctor.confd', from('openrc/xendoctor.confd'));
  put('etc/default/xendoctor', from('packaging/debian/xendoctor.default'));
  put('etc/xendoctor/config.json', '{}\n');
  for (const file of readdirSync(path.join(ROOT, 'prometheus')))
    put(`usr/share/xendoctor/prometheus/${file}`, from(`prometheus/${file}`));
  if (existsSync(path.join(ROOT, 'man/xendoctor.8')))
    put('usr/share/man/man8/xendoctor.8.gz', gzipSync(from('man/xendoctor.8'), { level: 9 }));

  const doc = 'usr/share/doc/xendoctor';
  const date = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? Date.now() / 1000) * 1000)
    .toUTCString()
    .replace('GMT', '+0000');
  put(
    `${doc}/changelog.gz`,
    gzipSync(
      Buffer.from(
        `xendoctor (${version}) unstable; urgency=medium\n\n  * Built from the xendoctor repository by scripts/package-deb.mjs.\n\n -- ${MAINTAINER}  ${date}\n`,
      ),
      { level: 9 },
    ),
  );
  // Debian policy 12.5: a licence in /usr/share/common-licenses is referred to, not copied (lintian
  // refuses a full Apache-2.0 text in a copyright file); the others are quoted in full.
  const COMMON_LICENSES = { 'Apache-2.0': 'Apache-2.0' };
  const SEPARATOR = '\n' + '-'.repeat(72) + '\n\n';
  const thirdParty = readFileSync(path.join(ROOT, 'dist/THIRD-PARTY-LICENSES.txt'), 'utf8')
    .split(SEPARATOR)
    .map((notice) => {
      const licence = /^\S+ \S+ \(([^)]+)\)\n/.exec(notice.replace(/^Packages bundled[^\n]*\n\n/, ''))?.[1];
      const common = licence === undefined ? undefined : COMMON_LICENSES[licence];
      if (common === undefined) return notice;
      const head = notice.slice(0, notice.indexOf(`(${licence})\n`) + licence.length + 3);
      return `${head}\nOn Debian systems the complete text of the ${licence} licence is in /usr/share/common-licenses/${common}.\n`;
    })
    .join(SEPARATOR);
  put(
    `${doc}/copyright`,
    [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      'Upstream-Name: xendoctor',
      '',
      'Files: *',
      'Copyright: The xendoctor authors',
      `License: ${pkg.license}`,
      '',
      'Files: usr/lib/xendoctor/*',
      'Copyright: The xendoctor authors and the authors of the bundled packages below',
      `License: ${pkg.license} and the licences below`,
      ` ${thirdParty
        .trim()
        .split('\n')
        .map((line) => (line.trim() === '' ? '.' : line))
        .join('\n ')}`,
      '',
      'License: MIT',
      ' Permission is hereby granted, free of charge, to any person obtaining a copy of this software and',
      ' associated documentation files (the "Software"), to deal in the Software without restriction, including',
      ' without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell',
      ' copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the',
      ' following conditions:',
      ' .',
      ' The above copyright notice and this permission notice shall be included in all copies or substantial',
      ' portions of the Software.',
      ' .',
      ' THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT',
      ' LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO',
      ' EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER',
      ' IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR',
      ' THE USE OR OTHER DEALINGS IN THE SOFTWARE.',
      '',
    ].join('\n'),
  );

  // Control files: every file under /etc is a conffile (dpkg keeps an admin's edits on upgrade).
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(path.join(stage, dir)).sort()) {
      const rel = path.join(dir, name);
      if (statSync(path.join(stage, rel)).isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk('.');
  const installedKb = Math.ceil(
    files.reduce((sum, rel) => sum + statSync(path.join(stage, rel)).size, 0) / 1024,
  );
  put(
    'DEBIAN/control',
    [
      'Package: xendoctor',
      `Version: ${version}`,
      'Architecture: all',
      `Maintainer: ${MAINTAINER}`,
      `Installed-Size: ${installedKb}`,
      'Depends: nodejs (>= 20)',
      'Section: admin',
      'Priority: optional',
      `Description: ${pkg.description
        .split(':')[0]
        .replace(/^Health/, 'health')
        .replace(/\.$/, '')}`,
      " A one-shot report of a Xen dom0's health (hypervisor, dom0, domains,",
      ' grant tables, scheduler, bridges and offloads, kernel configuration)',
      ' with exit codes for scripts, a Prometheus exporter daemon (xendoctor',
      ' serve; systemd unit and OpenRC script included) and opt-in reversible',
      ' remedies.',
      '',
    ].join('\n'),
  );
  put(
    'DEBIAN/conffiles',
    files
      .filter((rel) => rel.startsWith('etc/'))
      .map((rel) => `/${rel}\n`)
      .join(''),
  );
  put(
    'DEBIAN/md5sums',
    files
      .map(
        (rel) =>
          `${createHash('md5')
            .update(readFileSync(path.join(stage, rel)))
            .digest('hex')}  ${rel}\n`,
      )
      .join(''),
  );

  mkdirSync(out, { recursive: true });
  const deb = path.join(out, `xendoctor_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  console.log(deb);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
