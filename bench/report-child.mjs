#!/usr/bin/env node
// `xendoctor --json --replay DIR` with the host seam's pool set to N: what the CLI does (same modules, same
// runReport, same JSON on stdout), minus argument parsing. `node bench/report-child.mjs DIR POOL`.
// The CLI has no --jobs flag: bench/run.mjs uses this to sweep pool sizes and the CLI for the default.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const [dir, pool] = process.argv.slice(2);
const [{ createHost }, { probes }, { runReport }] = await Promise.all([
  import(path.join(DIST, 'host/host.js')),
  import(path.join(DIST, 'probes/index.js')),
  import(path.join(DIST, 'report/run.js')),
]);
const host = createHost({ root: dir, path: [path.join(dir, 'commands')], maxConcurrent: Number(pool) });
const { document } = await runReport(host, probes);
process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
