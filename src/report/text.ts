// The report for people, in the spirit of virt-host-validate: one dotted line per check, then the details
// of every warn/fail/error with its evidence and remedies. Colour only when asked (a terminal).
import type { Remedy, Status } from '../check.js';
import type { ReportDocument } from './document.js';

const WIDTH = 52;
const words: Record<Status, string> = { ok: 'OK', warn: 'WARN', fail: 'FAIL', skip: 'SKIP', error: 'ERROR' };
const colours: Record<Status, string> = { ok: '32', warn: '33', fail: '31', skip: '2', error: '35' };

export function renderText(doc: ReportDocument, options: { colour: boolean }): string {
  const paint = (status: Status, text: string) =>
    options.colour ? `\x1b[${colours[status]}m${text}\x1b[0m` : text;
  const out: string[] = [header(doc), ''];

  for (const check of doc.checks) {
    const label = `Checking ${check.title} `;
    const dots = '.'.repeat(Math.max(3, WIDTH - label.length));
    const detail = check.status === 'ok' ? '' : ` (${check.summary})`;
    out.push(`${label}${dots} ${paint(check.status, words[check.status])}${detail}`);
  }

  const troubled = doc.checks.filter(
    (c) => c.status === 'warn' || c.status === 'fail' || c.status === 'error',
  );
  for (const check of troubled) {
    out.push('', `${paint(check.status, words[check.status])} ${check.id}: ${check.summary}`);
    for (const finding of check.findings) {
      if (finding.message !== check.summary) out.push(`  - ${finding.message}`);
    }
    if (check.evidence.length > 0) {
      out.push('  Evidence:');
      for (const line of check.evidence) out.push(`    ${line}`);
    }
    for (const remedy of check.remedies) out.push(...renderRemedy(remedy));
  }

  const s = doc.summary;
  out.push(
    '',
    `${s.ok} ok, ${s.warn} warn, ${s.fail} fail, ${s.skip} skip, ${s.error} error (exit ${doc.exitCode})`,
  );
  return `${out.join('\n')}\n`;
}

function header(doc: ReportDocument): string {
  const h = doc.host;
  const parts = [
    h.hostname ?? 'unknown host',
    h.kernel ? `Linux ${h.kernel}` : undefined,
    h.role === 'none' ? 'not under Xen' : `Xen ${h.xenVersion ?? '(version unknown)'}`,
    h.role === 'none' ? undefined : h.role,
    h.init === 'unknown' ? undefined : h.init,
    h.root === '/' ? undefined : `root ${h.root}`,
  ].filter(Boolean);
  return `xendoctor ${doc.xendoctor}: ${parts.join(', ')}`;
}

function renderRemedy(remedy: Remedy): string[] {
  const out = [`  Remedy (${remedy.id}): ${remedy.title}${remedy.reboot ? ' [reboot needed]' : ''}`];
  for (const file of remedy.files) out.push(`    edit ${file.path}: ${file.change}`);
  for (const command of remedy.commands) out.push(`    $ ${command}`);
  if (remedy.note) out.push(`    ${remedy.note}`);
  return out;
}
