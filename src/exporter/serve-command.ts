// `xendoctor serve`: flags/env/config file -> settings (exit 78 when bad), then the daemon until SIGTERM or
// SIGINT. A probe that fails is a metric and a log line, never the end of the daemon.
import { parseArgs, UsageError } from '../args.js';
import {
  ConfigError,
  configFlags,
  DEFAULT_CONFIG_FILE,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_PORT,
  DEFAULT_RATE_LIMIT,
  EXIT_CONFIG,
  loadConfig,
} from '../config.js';
import { hostFlags } from '../host-flags.js';
import { probes } from '../probes/index.js';
import { VERSION } from '../version.js';

const usage = `Usage: xendoctor serve [options]

Runs the checks on a schedule and serves the last results: ${'/metrics'} (Prometheus), /healthz,
/report.json (as xendoctor --json) and / (a page with the current findings). Scrapes never run a command.

Options (flag, environment variable, config file key):
  --config FILE                 XENDOCTOR_CONFIG          JSON config, default ${DEFAULT_CONFIG_FILE}
  --web.listen-address ADDR     XENDOCTOR_LISTEN_ADDRESS  listenAddress   default ":${DEFAULT_PORT}"
  --web.telemetry-path PATH     XENDOCTOR_TELEMETRY_PATH  telemetryPath   default "/metrics"
  --web.config.file FILE        XENDOCTOR_WEB_CONFIG_FILE webConfigFile   TLS, basic auth, headers: the
                                exporter-toolkit YAML node_exporter takes; re-read when it changes
  --web.rate-limit N            XENDOCTOR_RATE_LIMIT      rateLimit       requests/s per client address,
                                burst 2N, 0 = off; default ${DEFAULT_RATE_LIMIT}
  --web.max-connections N       XENDOCTOR_MAX_CONNECTIONS maxConnections  default ${DEFAULT_MAX_CONNECTIONS}
  --interval SECONDS            XENDOCTOR_INTERVAL        interval        default 60 (or "30s", "5m", "1h")
  --log.level LEVEL             XENDOCTOR_LOG_LEVEL       logLevel        trace, debug, info (default), warn,
                                error, fatal or silent; --log-level is an alias
  --log.format FORMAT           XENDOCTOR_LOG_FORMAT      logFormat       json (default) or logfmt
  --timeout SECONDS             XENDOCTOR_TIMEOUT         commandTimeout  per command, 0.1-3600, default 10
  --root DIR                    XENDOCTOR_ROOT            root            default /
  --path DIRS                   XENDOCTOR_PATH            path            where commands are found
  --replay DIR                  replay a captured host (--root DIR --path DIR/commands)
  --disable-check ID, --enable-check ID   (repeatable)    checks.ID.enabled
                                                          checks.ID.interval, checks.ID.schedule (a cron
                                                          expression, e.g. "0 0 3 * * *"), thresholds.NAME:
                                                          file only
  -h, --help, --version

SIGTERM/SIGINT stop it (running commands are killed); SIGHUP re-reads --web.config.file.
Exit codes: 0 stopped by SIGTERM/SIGINT, 64 usage error, 69 cannot listen, 78 bad configuration.
`;

const serveFlags = { ...hostFlags, ...configFlags, help: {}, h: {}, version: {} } as const;

export async function serveCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, serveFlags);
  if (args.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  }
  if (args.flags.has('help') || args.flags.has('h')) {
    process.stdout.write(usage);
    return 0;
  }
  if (args.flags.has('version')) {
    process.stdout.write(`xendoctor ${VERSION}\n`);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(
      args,
      process.env,
      probes.map((p) => p.id),
    );
  } catch (caught) {
    if (!(caught instanceof ConfigError)) throw caught;
    process.stderr.write(`xendoctor: bad configuration: ${caught.message}\n`);
    return EXIT_CONFIG;
  }

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
