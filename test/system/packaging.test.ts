// shellcheck on the distribution recipes in packaging/, each in the dialect its tool runs it with: an ebuild
// is bash (portage), an APKBUILD is BusyBox ash (abuild; shellcheck 0.9 checks it as dash, its nearest),
// a conf.d is sourced by openrc-run's POSIX sh.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingTools, ROOT, shouldRun } from './system-helpers.js';

const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
const missing = missingTools(['shellcheck']);
describe.runIf(shouldRun(missing))('packaging recipes lint (system)', () => {
  const recipes: [dialect: string, file: string][] = [
    ['bash', `packaging/gentoo/app-emulation/xendoctor/xendoctor-${version}.ebuild`],
    ['sh', 'packaging/gentoo/app-emulation/xendoctor/files/xendoctor.initd'],
    ['sh', 'packaging/gentoo/app-emulation/xendoctor/files/xendoctor.confd'],
    ['dash', 'packaging/alpine/APKBUILD'],
    ['dash', 'packaging/alpine/xendoctor.initd'],
    ['dash', 'packaging/alpine/xendoctor.confd'],
  ];
  for (const [dialect, file] of recipes) {
    it(`passes shellcheck -s ${dialect}: ${file}`, () => {
      expect(missing, 'tools missing (apt-get install shellcheck)').toEqual([]);
      const result = spawnSync('shellcheck', ['-s', dialect, file], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    });
  }
});
