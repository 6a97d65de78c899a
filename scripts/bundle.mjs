#!/usr/bin/env node
// Bundles tsc's output (build/) into what ships (dist/): dist/cli.js is the Node.js version check
// (src/cli.ts, src/node-version.ts), which must run before the rest is loaded; dist/run-cli.js holds
// everything the one-shot report needs, and each path loaded on demand (serve, fix, capture, the textfile
// writer, yaml, bcryptjs) is a chunk of its own, imported only when asked for: one bundle starts faster and
// uses less memory than ~90 modules (figures: docs/performance.md). The dependencies are bundled too, so an
// install needs no node_modules.
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

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

// What of node_modules went into the bundle, with each package's licence text: the copyright file of the
// packages (scripts/package-deb.mjs) and anyone redistributing dist/ must name them.
const bundled = [
  ...new Set(
    output.output
      .flatMap((chunk) => chunk.moduleIds ?? [])
      .map((id) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id)?.[1])
      .filter((name) => name !== undefined),
  ),
].sort();
const notices = bundled.map((name) => {
  const dir = path.join(ROOT, 'node_modules', name);
  const { version, license } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license'].find((f) => existsSync(path.join(dir, f)));
  if (!file) throw new Error(`bundle: ${name} has no LICENSE file to ship`);
  return `${name} ${version} (${license})\n\n${readFileSync(path.join(dir, file), 'utf8').trim()}\n`;
});
writeFileSync(
  path.join(DIST, 'THIRD-PARTY-LICENSES.txt'),
  `Packages bundled into these files, with their licences:\n\n${notices.join('\n' + '-'.repeat(72) + '\n\n')}`,
);
// The same list for the completeness test of THIRD-PARTY-NOTICES (scripts/third-party-notices.mjs).
writeFileSync(path.join(ROOT, 'build/bundled-packages.json'), `${JSON.stringify(bundled, null, 2)}\n`);
