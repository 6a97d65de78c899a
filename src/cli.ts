#!/usr/bin/env node
// The executable: checks the Node.js version, then runs main() and maps its outcome to an exit code (64
// usage, 3 internal error, 72 Node.js too old). Everything but the check is imported dynamically after it:
// static imports are all loaded before the first line runs, so on an old Node a missing API or newer syntax
// in them would fail before the check could say why.
import { EXIT_NODE_TOO_OLD, nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = EXIT_NODE_TOO_OLD;
} else {
  Promise.all([import('./args.js'), import('./main.js')]).then(([{ UsageError }, { EXIT_USAGE, main }]) =>
    main(process.argv.slice(2)).then(
      (code) => {
        process.exitCode = code;
      },
      (caught: unknown) => {
        process.stderr.write(`xendoctor: ${caught instanceof Error ? caught.message : String(caught)}\n`);
        process.exitCode = caught instanceof UsageError ? EXIT_USAGE : 3;
      },
    ),
  );
}
