// A unified diff (as `diff -u` and `git diff` print it) of two texts, without a dependency: the common head
// and tail are trimmed first (a remedy changes a line or two), the middle is a longest-common-subsequence
// table, and a middle too big for that table is shown as one replaced block (still a correct diff).
import { splitLines } from './edit-error.js';

export interface DiffOptions {
  /** Label of the old side, e.g. "a/etc/default/grub" or "/dev/null". */
  from: string;
  to: string;
  context?: number;
}

type Op = { kind: ' ' | '-' | '+'; line: string };

const MAX_TABLE = 4_000_000;

/** The diff of `before` to `after`; '' when they are equal. */
export function unifiedDiff(before: string, after: string, options: DiffOptions): string {
  if (before === after) return '';
  const a = terminatedLines(before);
  const b = terminatedLines(after);
  const context = options.context ?? 3;

  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const ops: Op[] = [
    ...a.slice(0, head).map((line): Op => ({ kind: ' ', line })),
    ...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...a.slice(a.length - tail).map((line): Op => ({ kind: ' ', line })),
  ];

  const out = [`--- ${options.from}`, `+++ ${options.to}`];
  for (const hunk of hunks(ops, context)) out.push(...hunk);
  return `${out.join('\n')}\n`;
}

// Lines with their terminator, so "x" at the end of a file and "x\n" differ as they should.
function terminatedLines(text: string): string[] {
  if (text === '') return [];
  const { lines, eol, finalNewline } = splitLines(text);
  return lines.map((line, i) => (i < lines.length - 1 || finalNewline ? line + eol : line));
}

function middle(a: readonly string[], b: readonly string[]): Op[] {
  if ((a.length + 1) * (b.length + 1) > MAX_TABLE) {
    return [...a.map((line): Op => ({ kind: '-', line })), ...b.map((line): Op => ({ kind: '+', line }))];
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i++] as string });
      j++;
    } else if (
      j < b.length &&
      (i === a.length || (lcs[i * width + j + 1] ?? 0) >= (lcs[(i + 1) * width + j] ?? 0))
    ) {
      ops.push({ kind: '+', line: b[j++] as string });
    } else {
      ops.push({ kind: '-', line: a[i++] as string });
    }
  }
  // Removals before additions inside each changed run, as diff prints them.
  return ops.reduce<Op[]>((acc, op) => {
    if (op.kind === '-') {
      let k = acc.length;
      while (k > 0 && acc[k - 1]?.kind === '+') k--;
      acc.splice(k, 0, op);
    } else acc.push(op);
    return acc;
  }, []);
}

function* hunks(ops: readonly Op[], context: number): Generator<string[]> {
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  let k = 0;
  while (k < changed.length) {
    const first = changed[k] as number;
    let last = first;
    // Changes closer than two contexts apart share a hunk.
    while (k + 1 < changed.length && (changed[k + 1] as number) - last <= 2 * context)
      last = changed[++k] as number;
    k++;
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length, last + context + 1);
    let oldStart = 1;
    let newStart = 1;
    for (const op of ops.slice(0, start)) {
      if (op.kind !== '+') oldStart++;
      if (op.kind !== '-') newStart++;
    }
    const body: string[] = [];
    let oldCount = 0;
    let newCount = 0;
    for (const op of ops.slice(start, end)) {
      if (op.kind !== '+') oldCount++;
      if (op.kind !== '-') newCount++;
      const bare = op.line.replace(/\r?\n$/, '');
      body.push(`${op.kind}${bare}`);
      if (bare === op.line) body.push('\\ No newline at end of file');
    }
    yield [`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`, ...body];
  }
}

// GNU diff: "l,n", "l" when n is 1, and the line before the hunk when it is empty.
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}
