#!/usr/bin/env node
// `xendoctor --json --replay DIR` with the host seam's pool set to N: what the CLI does (same modules, same
// runReport, same JSON on stdout), minus argument parsing. `node bench/report-child.mjs DIR POOL`.
// The CLI has no --jobs flag: bench/run.mjs uses this to sweep pool sizes and the CLI for the default.
// It imports tsc's output (build/); bench/run.mjs bundles it the way scripts/bundle.mjs bundles the CLI, so
// both pay the same module loading.
import * as path from 'node:path';
import { createHost } from '../build/host/host.js';
import { probes } from '../build/probes/index.js';
import { runReport } from '../build/report/run.js';

const [dir, pool] = process.argv.slice(2);
const host = createHost({ root: dir, path: [path.join(dir, 'commands')], maxConcurrent: Number(pool) });
const { document } = await runReport(host, probes);
process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
