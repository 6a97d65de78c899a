// One report: build the context, run the selected probes, assemble the document.
import type { CheckResult, Probe } from '../check.js';
import { Context, defaultSettings, type Settings } from '../context.js';
import type { Host } from '../host/host.js';
import { runProbes } from '../runner.js';
import { VERSION } from '../version.js';
import { buildDocument, type ReportDocument } from './document.js';
import { readHostInfo } from './host-info.js';

export interface ReportRun {
  document: ReportDocument;
  /** Results with their metric samples (the document drops them). */
  results: CheckResult[];
  context: Context;
}

export async function runReport(
  host: Host,
  probes: readonly Probe[],
  settings: Settings = defaultSettings,
): Promise<ReportRun> {
  const context = new Context(host, settings);
  const [info, results] = await Promise.all([readHostInfo(context), runProbes(context, probes)]);
  return { document: buildDocument(VERSION, info, results), results, context };
}
