// The documentation's own rules: the README stays short, decision records have unique numbers, and every
// relative link in the README and docs/ leads to a file (and heading) that exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = path.join(ROOT, 'docs');
const markdown = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdown(path.join(dir, entry.name))
      : entry.name.endsWith('.md')
        ? [path.join(dir, entry.name)]
        : [],
  );

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a markdown file's headings (outside code blocks). */
function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] as string)));
}

describe('documentation', () => {
  it('keeps the README under 20 KB', () => {
    expect(statSync(path.join(ROOT, 'README.md')).size).toBeLessThan(20 * 1024);
  });

  it('numbers every decision record once, as its title says', () => {
    const records = readdirSync(path.join(DOCS, 'decisions')).filter((f) => f.endsWith('.md'));
    const numbers = records.map((f) => /^(\d{4})-/.exec(f)?.[1]);
    expect(numbers).not.toContain(undefined);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const file of records) {
      const title = readFileSync(path.join(DOCS, 'decisions', file), 'utf8').split('\n')[0];
      expect(title, file).toMatch(new RegExp(`^# ${file.slice(0, 4)}: `));
    }
  });

  it('has no relative link to a file or heading that does not exist', () => {
    const broken: string[] = [];
    for (const file of [
      path.join(ROOT, 'README.md'),
      path.join(ROOT, 'CONTRIBUTING.md'),
      ...markdown(DOCS),
    ]) {
      const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target as string)) continue; // https:, mailto:
        const [where, anchor] = (target as string).split('#') as [string, string | undefined];
        const resolved = where === '' ? file : path.resolve(path.dirname(file), where);
        if (!existsSync(resolved)) broken.push(`${path.relative(ROOT, file)}: ${target}`);
        else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
          broken.push(`${path.relative(ROOT, file)}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
