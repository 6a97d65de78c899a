#!/usr/bin/env node
// Bundles tsc's output (build/) into what ships (dist/): dist/cli.js holds everything the one-shot report
// needs, and each path loaded on demand (serve, fix, capture, the textfile writer, yaml, bcryptjs) is a chunk
// of its own, imported only when asked for: one bundle starts faster and uses less memory than ~90 modules
// (figures: docs/performance.md). The dependencies are bundled too, so an install needs no node_modules.
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');

rmSync(DIST, { recursive: true, force: true });
const result = await build({
  input: path.join(ROOT, 'build/cli.js'),
  platform: 'node',
  logLevel: 'warn',
  write: true,
  output: { dir: DIST, format: 'esm', chunkFileNames: '[name]-[hash].js' },
});
chmodSync(path.join(DIST, 'cli.js'), 0o755);

// The packages whose code is inside dist/, for the completeness test of THIRD-PARTY-NOTICES.
const bundled = new Set();
for (const chunk of result.output) {
  for (const id of chunk.type === 'chunk' ? chunk.moduleIds : []) {
    const at = id.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const [scope, name] = id.slice(at + 'node_modules/'.length).split('/');
    bundled.add(scope.startsWith('@') ? `${scope}/${name}` : scope);
  }
}
writeFileSync(
  path.join(ROOT, 'build/bundled-packages.json'),
  `${JSON.stringify([...bundled].sort(), null, 2)}\n`,
);
