// The report for people, in the spirit of virt-host-validate: one dotted line per check, then the details
// of every warn/fail/error, then every piece of advice (an ok check that keeps a remedy), with evidence and
// remedies. Colour only when asked (a terminal).
import type { Remedy, Status } from '../check.js';
import type { ReportCheck, ReportDocument } from './document.js';
import { wrapIndented } from './wrap.js';

const WIDTH = 52;
const words: Record<Status, string> = { ok: 'OK', warn: 'WARN', fail: 'FAIL', skip: 'SKIP', error: 'ERROR' };
const colours: Record<Status, string> = { ok: '32', warn: '33', fail: '31', skip: '2', error: '35' };

// Text from the host (a hostname, a file's content, a command's stderr) must not reach the terminal as
// escape sequences: control characters become U+FFFD, and a line of evidence never starts a new line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
export function safe(text: string, max = 1000): string {
  const clean = text.replace(/\r?\n/g, ' ⏎ ').replace(CONTROL, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * `width`: the columns to wrap to (0: no wrapping). The `Checking ... OK` column stays where it is; what
 * follows the status wraps under it. Command lines (`$ ...`) never wrap: they are for copying.
 */
export function renderText(doc: ReportDocument, options: { colour: boolean; width?: number }): string {
  const paint = (status: Status, text: string) =>
    options.colour ? `\x1b[${colours[status]}m${text}\x1b[0m` : text;
  const width = options.width ?? 0;
  // Wraps one logical line; `indent` is the hanging indent of its continuation lines.
  const para = (text: string, first: string, indent: string) => wrapIndented(text, width, first, indent);
  const out: string[] = [...para(header(doc), '', '  '), ''];

  for (const check of doc.checks) {
    const label = `Checking ${check.title} `;
    const dots = '.'.repeat(Math.max(3, WIDTH - label.length));
    const advice = adviceOf(check);
    const detail =
      check.status !== 'ok'
        ? ` (${safe(check.summary)})`
        : advice.length > 0
          ? ` (advice: ${safe(advice.join('; '))})`
          : '';
    // Wrapped without the colour codes (they take no columns), then the status word is painted.
    const word = words[check.status];
    // Under the status column while it leaves room (as virt-host-validate), else a plain hanging indent.
    const hang = width - (WIDTH + 1) >= 30 ? ' '.repeat(WIDTH + 1) : '    ';
    const [first = '', ...more] = para(`${word}${detail}`, `${label}${dots} `, hang);
    out.push(
      `${label}${dots} ${paint(check.status, word)}${first.slice(label.length + dots.length + 1 + word.length)}`,
    );
    out.push(...more);
  }

  const troubled = doc.checks.filter(
    (c) => c.status === 'warn' || c.status === 'fail' || c.status === 'error',
  );
  const advised = doc.checks.filter((c) => c.status === 'ok' && adviceOf(c).length > 0);
  for (const check of [...troubled, ...advised]) {
    const heading =
      check.status === 'ok'
        ? `${paint('ok', 'ADVICE')} ${check.id}: ${safe(adviceOf(check).join('; '))}`
        : `${paint(check.status, words[check.status])} ${check.id}: ${safe(check.summary)}`;
    out.push('', ...para(heading, '', '  '));
    for (const finding of check.findings) {
      if (check.status === 'ok') continue; // its advice is the heading
      const mark = finding.severity === 'advice' ? 'advice: ' : '';
      if (finding.message !== check.summary)
        out.push(...para(`${mark}${safe(finding.message)}`, '  - ', '    '));
    }
    if (check.evidence.length > 0) {
      out.push('  Evidence:');
      for (const line of check.evidence) out.push(...para(safe(line), '    ', '      '));
    }
    for (const remedy of check.remedies) out.push(...renderRemedy(remedy, para));
  }

  const s = doc.summary;
  const withAdvice = advised.length > 0 ? ` (${advised.length} with advice)` : '';
  out.push(
    '',
    ...para(
      `${s.ok} ok${withAdvice}, ${s.warn} warn, ${s.fail} fail, ${s.skip} skip, ${s.error} error (exit ${doc.exitCode})`,
      '',
      '',
    ),
  );
  return `${out.join('\n')}\n`;
}

function adviceOf(check: ReportCheck): string[] {
  return check.findings.filter((f) => f.severity === 'advice').map((f) => f.message);
}

function header(doc: ReportDocument): string {
  const h = doc.host;
  const parts = [
    h.hostname ? safe(h.hostname, 100) : 'unknown host',
    h.kernel ? `Linux ${safe(h.kernel, 100)}` : undefined,
    h.role === 'none'
      ? 'not under Xen'
      : `Xen ${h.xenVersion ? safe(h.xenVersion, 40) : '(version unknown)'}`,
    h.role === 'none' ? undefined : h.role,
    h.init === 'unknown' ? undefined : h.init,
    h.role === 'dom0' && h.bootLoader ? `boot ${safe(h.bootLoader, 40)}` : undefined,
    h.root === '/' ? undefined : `root ${h.root}`,
  ].filter(Boolean);
  return `xendoctor ${doc.xendoctor}: ${parts.join(', ')}`;
}

type Para = (text: string, first: string, indent: string) => string[];

function renderRemedy(remedy: Remedy, para: Para): string[] {
  const out = para(
    `Remedy (${remedy.id}): ${remedy.title}${remedy.reboot ? ' [reboot needed]' : ''}`,
    '  ',
    '    ',
  );
  for (const file of remedy.files)
    out.push(...para(`edit ${safe(file.path)}: ${safe(file.change)}`, '    ', '      '));
  for (const command of remedy.commands) out.push(`    $ ${safe(command)}`);
  if (remedy.note) out.push(...para(safe(remedy.note), '    ', '    '));
  return out;
}
