#!/usr/bin/env node
// Bundles tsc's output (build/) into what ships (dist/): dist/cli.js is the Node.js version check
// (src/cli.ts, src/node-version.ts), which must run before the rest is loaded; dist/run-cli.js holds
// everything the one-shot report needs, and each path loaded on demand (serve, fix, capture, the textfile
// writer, yaml, bcryptjs) is a chunk of its own, imported only when asked for: one bundle starts faster and
// uses less memory than ~90 modules (figures: docs/performance.md). The dependencies are bundled too, so an
// install needs no node_modules.
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';
import { bundledPackages, noticesText } from './third-party-notices.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');

rmSync(DIST, { recursive: true, force: true });
// The report and all it shares with the other paths: one file, run-cli.js.
const output = await build({
  input: { 'run-cli': path.join(ROOT, 'build/run-cli.js') },
  platform: 'node',
  logLevel: 'warn',
  write: true,
  output: { dir: DIST, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
});
// The executable: the version check alone, importing run-cli.js (left as is) once it passed. A build of
// its own: as a second entry of the build above, the shared code would scatter into more chunks.
await build({
  input: path.join(ROOT, 'build/cli.js'),
  platform: 'node',
  logLevel: 'warn',
  write: true,
  external: [/\/run-cli\.js$/],
  output: { dir: DIST, format: 'esm', entryFileNames: '[name].js' },
});
chmodSync(path.join(DIST, 'cli.js'), 0o755);

// What of node_modules went into the bundle: the packages whose licences must ship with it (the Debian
// copyright file and anyone redistributing dist/ must name them). One source for the notices:
// scripts/third-party-notices.mjs.
const bundled = [
  ...new Set(
    output.output
      .flatMap((chunk) => chunk.moduleIds ?? [])
      .map((id) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id)?.[1])
      .filter((name) => name !== undefined),
  ),
].sort();
writeFileSync(path.join(ROOT, 'build/bundled-packages.json'), `${JSON.stringify(bundled, null, 2)}\n`);
writeFileSync(path.join(DIST, 'THIRD-PARTY-LICENSES.txt'), noticesText(bundledPackages(bundled)));
