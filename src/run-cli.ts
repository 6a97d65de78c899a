// The command line after the Node.js version check (src/cli.ts): runs main() and maps its outcome to an
// exit code (64 usage, 78 bad configuration, 3 internal error).
import { UsageError } from './args.js';
import { ConfigError, EXIT_CONFIG } from './config.js';
import { EXIT_USAGE, main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (caught: unknown) => {
    const message = caught instanceof Error ? caught.message : String(caught);
    if (caught instanceof ConfigError) {
      process.stderr.write(`xendoctor: bad configuration: ${message}\n`);
      process.exitCode = EXIT_CONFIG;
      return;
    }
    process.stderr.write(`xendoctor: ${message}\n`);
    process.exitCode = caught instanceof UsageError ? EXIT_USAGE : 3;
  },
);
