import { describe, expect, it } from 'vitest';
import { probes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { renderText, safe } from '../src/report/text.js';
import { fixtureHost } from './helpers.js';

// eslint-disable-next-line no-control-regex -- the test looks for control characters
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- the colour codes the renderer writes
const OUR_COLOURS = /\x1b\[(?:0|2|3[1-5])m/g;

describe('text report', () => {
  it('never passes escape sequences or line breaks from the host to the terminal', () => {
    expect(safe('evil\x1b]0;owned\x07host\r\nnext')).toBe('evil\uFFFD]0;owned\uFFFDhost ⏎ next');
    expect(safe('x'.repeat(50), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(safe('tab\tkept')).toBe('tab\tkept');
  });

  it('prints a garbage host without a single control character outside the colours it chose', async () => {
    const { document } = await runReport(fixtureHost('made-up-garbage'), probes);
    const plain = renderText(document, { colour: false });
    expect(plain).not.toMatch(CONTROL);
    const coloured = renderText(document, { colour: true });
    // Only SGR colour sequences may appear, and only the ones the renderer writes.
    expect(coloured.replace(OUR_COLOURS, '')).not.toMatch(CONTROL);
  });

  it('puts every check on one dotted line with its verdict', async () => {
    const { document } = await runReport(fixtureHost('xenconsoled-stopped'), probes);
    const lines = renderText(document, { colour: false }).split('\n');
    const checkLines = lines.filter((line) => line.startsWith('Checking '));
    expect(checkLines).toHaveLength(probes.length);
    expect(checkLines.find((l) => l.includes('Xen daemons'))).toMatch(
      /\.{3,} FAIL \(xenconsoled is not running/,
    );
    expect(lines.at(-2)).toMatch(
      /^\d+ ok \(3 with advice\), \d+ warn, 1 fail, \d+ skip, 0 error \(exit 2\)$/,
    );
    // An ok check with advice says so on its line.
    expect(checkLines.find((l) => l.includes('vCPU scheduler'))).toMatch(
      /\.{3,} OK \(advice: credit2 on Xen 4\.17\.7/,
    );
    expect(lines).toContain(
      'ADVICE scheduler: ' + (document.checks.find((c) => c.id === 'scheduler')?.summary ?? ''),
    );
  });
});
