// One source for the third-party licence notices (scripts/third-party-notices.mjs): the committed
// THIRD-PARTY-NOTICES, the dist/THIRD-PARTY-LICENSES.txt the packages ship and the Debian copyright file all
// come from it, for exactly the packages whose code is inside dist/ (the list scripts/bundle.mjs writes from
// the bundler's module ids at build time).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bundledPackages,
  NOTICES_FILE,
  noticesText,
  // @ts-expect-error -- a plain .mjs script without types
} from '../scripts/third-party-notices.mjs';

interface Notice {
  name: string;
  version: string;
  license: string;
  text?: string;
}

const bundled = JSON.parse(readFileSync('build/bundled-packages.json', 'utf8')) as string[];
const notices = readFileSync(NOTICES_FILE as string, 'utf8');
const packages = (bundledPackages as (names?: string[]) => Notice[])(bundled);

describe('third-party notices', () => {
  it('sees the packages the bundle holds (the list is not empty)', () => {
    expect(bundled).toEqual(expect.arrayContaining(['bcryptjs', 'node-cron', 'pino', 'prom-client', 'yaml']));
  });

  it('lists every bundled package, and only those, with its licence and its licence text', () => {
    expect(packages.map((p) => p.name)).toEqual(bundled);
    for (const pkg of packages) {
      expect(pkg.license).not.toBe('UNKNOWN');
      expect(notices).toContain(`\n${pkg.name} ${pkg.version}\nLicense: ${pkg.license}\n\n${pkg.text}\n`);
    }
    const headings = [...notices.matchAll(/^-{72}\n(\S+) \S+\nLicense: /gm)].map((m) => m[1]);
    expect(headings).toEqual(bundled);
  });

  it('is what scripts/third-party-notices.mjs generates (run `npm run notices` after a build that changed it)', () => {
    expect(notices).toBe((noticesText as () => string)());
  });

  it('ships as dist/THIRD-PARTY-LICENSES.txt with the same text', () => {
    expect(readFileSync('dist/THIRD-PARTY-LICENSES.txt', 'utf8')).toBe(notices);
  });

  it('refuses to name a bundled package that is not a run-time dependency (the build then fails)', () => {
    expect(() => (bundledPackages as (names: string[]) => Notice[])(['vitest'])).toThrow(
      /vitest is bundled but not a run-time dependency/,
    );
  });
});
