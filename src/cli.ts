#!/usr/bin/env node
// The executable: checks the Node.js version, then runs main() and maps its outcome to an exit code (64
// usage, 3 internal error, 72 Node.js too old) in run-cli.ts, imported dynamically after the check: static
// imports are all loaded before the first line runs, so on an old Node a missing API or newer syntax in
// them would fail before the check could say why.
import { EXIT_NODE_TOO_OLD, nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = EXIT_NODE_TOO_OLD;
} else {
  void import('./run-cli.js');
}
