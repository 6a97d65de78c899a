// THIRD-PARTY-NOTICES must name every package whose code is inside dist/ (the list scripts/bundle.mjs writes
// from the bundler's module ids at build time), with its licence, and must be what the script generates.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without types
import { NOTICES_FILE, noticesText, runtimePackages } from '../scripts/third-party-notices.mjs';

interface Notice {
  name: string;
  version: string;
  license: string;
  text?: string;
}

const bundled = JSON.parse(readFileSync('build/bundled-packages.json', 'utf8')) as string[];
const notices = readFileSync(NOTICES_FILE as string, 'utf8');
const packages = (runtimePackages as () => Notice[])();

describe('THIRD-PARTY-NOTICES', () => {
  it('sees the packages the bundle holds (the list is not empty)', () => {
    expect(bundled).toEqual(expect.arrayContaining(['bcryptjs', 'node-cron', 'pino', 'prom-client', 'yaml']));
  });

  it('lists every bundled package with a licence and its licence text', () => {
    for (const name of bundled) {
      const pkg = packages.find((p) => p.name === name);
      expect(pkg, `${name} is bundled but not a run-time dependency`).toBeDefined();
      expect(pkg?.license).not.toBe('UNKNOWN');
      expect(notices).toContain(`\n${name} ${pkg?.version}\nLicense: ${pkg?.license}\n`);
    }
  });

  it('is what scripts/third-party-notices.mjs generates (run `npm run notices` after changing dependencies)', () => {
    expect(notices).toBe((noticesText as () => string)());
  });
});
