// The / page: links to the endpoints and the current findings, in plain HTML (no scripts, no assets).
import type { Status } from '../check.js';
import { VERSION } from '../version.js';
import type { DaemonState } from './state.js';

const ORDER: Status[] = ['fail', 'error', 'warn', 'ok', 'skip'];

export function landingPage(state: DaemonState, telemetryPath: string): string {
  const runs = state.orderedRuns();
  const summary = state.summary();
  const health = state.health();
  const rows = runs
    .map(({ result, finishedAt }) => {
      const findings = result.findings
        .map((f) => `<li><code>${html(f.code)}</code> (${f.severity}): ${html(f.message)}</li>`)
        .join('');
      return `<tr class="${result.status}"><td><code>${html(result.id)}</code></td><td>${result.status}</td><td>${html(result.summary)}${findings ? `<ul>${findings}</ul>` : ''}</td><td>${new Date(finishedAt).toISOString()}</td></tr>`;
    })
    .join('\n');
  const counts = ORDER.map((s) => `${summary[s]} ${s}`).join(', ');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>xendoctor</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .6em;text-align:left;vertical-align:top}
.fail td:nth-child(2),.error td:nth-child(2){color:#b00}.warn td:nth-child(2){color:#a60}.ok td:nth-child(2){color:#070}</style>
</head><body>
<h1>xendoctor ${html(VERSION)}</h1>
<ul>
<li><a href="${html(telemetryPath)}">${html(telemetryPath)}</a>: Prometheus metrics (cached from the schedule; a scrape runs no command)</li>
<li><a href="/report.json">/report.json</a>: the report, as <code>xendoctor --json</code> prints it</li>
<li><a href="/healthz">/healthz</a>: ${health.ok ? 'ok' : html(health.detail)}</li>
</ul>
<h2>Checks</h2>
<p>${runs.length === 0 ? 'No cycle has completed yet.' : html(counts)}</p>
<table><tr><th>check</th><th>status</th><th>summary and findings</th><th>last run</th></tr>
${rows}
</table>
</body></html>
`;
}

function html(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
