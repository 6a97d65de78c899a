// The command line after the Node.js version check (src/cli.ts): runs main() and maps its outcome to an
// exit code (64 usage, 3 internal error).
import { UsageError } from './args.js';
import { EXIT_USAGE, main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (caught: unknown) => {
    process.stderr.write(`xendoctor: ${caught instanceof Error ? caught.message : String(caught)}\n`);
    process.exitCode = caught instanceof UsageError ? EXIT_USAGE : 3;
  },
);
