// The distribution recipes in packaging/ stay true to the repository: the version they package is
// package.json's, the OpenRC files they install are the ones in openrc/, and the Alpine checksums match them.
// (shellcheck runs on them in test/system/packaging.test.ts.)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const GENTOO = path.join(ROOT, 'packaging/gentoo/app-emulation/xendoctor');
const ALPINE = path.join(ROOT, 'packaging/alpine');
const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

describe('packaging/', () => {
  it("has one Gentoo ebuild, named for package.json's version", () => {
    const ebuilds = readdirSync(GENTOO).filter((file) => file.endsWith('.ebuild'));
    expect(ebuilds).toEqual([`xendoctor-${version}.ebuild`]);
  });

  it("has an APKBUILD for package.json's version", () => {
    expect(readFileSync(path.join(ALPINE, 'APKBUILD'), 'utf8')).toMatch(
      new RegExp(`^pkgver=${version.replaceAll('.', '\\.')}$`, 'm'),
    );
  });

  it('installs the OpenRC script and conf.d of openrc/ (links, so they cannot drift)', () => {
    const target = (file: string) => path.relative(ROOT, realpathSync(file));
    expect(target(path.join(GENTOO, 'files/xendoctor.initd'))).toBe('openrc/xendoctor');
    expect(target(path.join(GENTOO, 'files/xendoctor.confd'))).toBe('openrc/xendoctor.confd');
    expect(target(path.join(ALPINE, 'xendoctor.initd'))).toBe('openrc/xendoctor');
    expect(target(path.join(ALPINE, 'xendoctor.confd'))).toBe('openrc/xendoctor.confd');
  });

  it("has the APKBUILD's sha512sums of the OpenRC files as they are now", () => {
    const apkbuild = readFileSync(path.join(ALPINE, 'APKBUILD'), 'utf8');
    for (const file of ['xendoctor.initd', 'xendoctor.confd']) {
      const sum = createHash('sha512')
        .update(readFileSync(path.join(ALPINE, file)))
        .digest('hex');
      // On a change to openrc/: cd packaging/alpine && sha512sum xendoctor.initd xendoctor.confd
      expect(apkbuild, `APKBUILD: sha512sum of ${file}`).toContain(`\n${sum}  ${file}\n`);
    }
  });
});
