// `xendoctor serve`: flags/env/config file -> settings (exit 78 when bad), then the daemon until SIGTERM or
// SIGINT. A probe that fails is a metric and a log line, never the end of the daemon.
import { parseArgs, UsageError } from '../args.js';
import { ConfigError, EXIT_CONFIG, loadConfigOrSay } from '../config.js';
import { type Command, commandNamed, serveFlags } from '../commands.js';
import { helpOrVersion } from '../help.js';
import { probes } from '../probes/index.js';

export async function serveCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, serveFlags);
  if (args.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  }
  if (helpOrVersion(args.flags, commandNamed('serve') as Command)) return 0;
  const config = loadConfigOrSay(
    args,
    process.env,
    probes.map((p) => p.id),
  );
  if (config === undefined) return EXIT_CONFIG;

  // Loaded here, not at the top: `xendoctor --help` and a bad config stay fast.
  const [{ createLog }, { startDaemon }] = await Promise.all([import('./log.js'), import('./daemon.js')]);
  const log = createLog(config.logLevel, config.logFormat);
  // SIGHUP's default action ends the process (exit 129, nothing logged). As node_exporter does with its web
  // config, it re-reads --web.config.file; the other settings need a restart (said in the log line).
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  const onHangup = () => {
    const reloaded = daemon?.reload() ?? false;
    log.info(
      { signal: 'SIGHUP', webConfigReloaded: reloaded },
      reloaded
        ? 'web config re-read; other settings take effect on restart'
        : 'nothing to re-read (no web config file, or still starting); other settings take effect on restart',
    );
  };
  process.on('SIGHUP', onHangup);
  try {
    daemon = await startDaemon({ config, probes, log });
  } catch (caught) {
    // A --web.config.file that does not load (read when the server is made).
    if (caught instanceof ConfigError) {
      process.stderr.write(`xendoctor: bad configuration: ${caught.message}\n`);
      process.off('SIGHUP', onHangup);
      return EXIT_CONFIG;
    }
    process.off('SIGHUP', onHangup);
    const error = caught as NodeJS.ErrnoException;
    log.fatal({ err: error }, 'cannot listen');
    process.stderr.write(`xendoctor: cannot listen on ${describe(config.listen)}: ${error.message}\n`);
    return 69;
  }

  // A bug that escapes a probe is logged, never fatal: the daemon's job is to keep reporting.
  const onRejection = (reason: unknown) => log.error({ err: reason }, 'unhandled rejection');
  process.on('unhandledRejection', onRejection);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'stopping');
  await daemon.stop();
  process.off('SIGHUP', onHangup);
  process.off('unhandledRejection', onRejection);
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  return 0;
}

function describe(listen: { host: string | undefined; port: number }): string {
  return `${listen.host ?? ''}:${listen.port}`;
}
