// docs/cli.md's flag reference is the one the definitions render (scripts/cli-doc.mjs).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('docs/cli.md', () => {
  it('holds the flag reference generated from src/commands.ts', async () => {
    // build/ is written by the global setup; the script reads it.
    const { flagReference } = (await import(path.join(ROOT, 'scripts/cli-doc.mjs'))) as {
      flagReference: () => string;
    };
    const doc = readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8');
    const between = /<!-- flags: [^\n]*-->\n([\s\S]*)<!-- \/flags -->/.exec(doc)?.[1];
    expect(between, 'regenerate with: npm run build && node scripts/cli-doc.mjs').toBe(flagReference());
  });
});
