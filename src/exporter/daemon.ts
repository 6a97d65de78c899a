// The daemon without the command line: schedule + state + HTTP server, started and stopped as one.
// serve-command.ts wires it to flags and signals; tests and bench/ start it directly.
import type { AddressInfo } from 'node:net';
import type { Probe } from '../check.js';
import type { DaemonConfig } from '../config.js';
import { createHost } from '../host/host.js';
import { KernelLogFollower, uptimeUs } from './kernel-log.js';
import { type Group, groupProbes, Schedule } from './schedule.js';
import { close, createServer, listen } from './server.js';
import { DaemonState, type Log } from './state.js';
import { WebConfigSource } from './web-config-source.js';

export interface Daemon {
  address: AddressInfo;
  state: DaemonState;
  schedule: Schedule;
  groups: readonly Group[];
  /** The kernel-log follower: settles at the end of a file standing for /dev/kmsg, or after stop(). */
  following: Promise<void>;
  /** Kills the running commands' process groups, stops the clock and closes the server. */
  stop(): Promise<void>;
  /** SIGHUP: re-reads the web config file now; false when there is none. */
  reload(): boolean;
}

export interface DaemonOptions {
  config: DaemonConfig;
  probes: readonly Probe[];
  log: Log;
  /** Do not start the clock (the benchmark drives cycles itself). */
  manual?: boolean;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, log } = options;
  const groups = groupProbes(options.probes, config.intervalSeconds, config.checks);
  const state = new DaemonState(options.probes, groups, log);
  const webConfig = config.web?.configFile
    ? await WebConfigSource.open(config.web.configFile, log)
    : undefined;
  const server = await createServer({
    state,
    telemetryPath: config.telemetryPath,
    log,
    ...(config.web ? { web: config.web } : {}),
    ...(webConfig ? { webConfig } : {}),
  });
  const address = await listen(server, config.listen.host, config.listen.port);
  warnIfExposed(address, webConfig, log);
  const stopping = new AbortController();
  // The kernel log from now on (records older than the kernel's uptime at start are skipped).
  const kernelHost = createHost({ ...config.host, abortSignal: stopping.signal });
  state.kernelLog = new KernelLogFollower(log.child({ component: 'kernel-log' }), {
    sinceUs: await uptimeUs(kernelHost),
  });
  const following = state.kernelLog.follow(kernelHost, stopping.signal);
  const schedule = new Schedule({
    groups,
    settings: config.settings,
    host: () => createHost({ ...config.host, abortSignal: stopping.signal }),
    onCycle: (cycle) => {
      state.record(cycle);
      log.debug({ schedule: cycle.group.cron, ms: cycle.finishedAt - cycle.startedAt }, 'cycle finished');
    },
    onProblem: (what, group, detail) => {
      const probes = group?.probes.map((p) => p.id);
      if (what === 'overlap') {
        state.countOverlap(group);
        log.warn({ probes }, 'previous cycle still running; this one is skipped');
      } else if (what === 'clock-step') {
        log.warn({ stepMs: detail }, 'wall clock stepped; schedule planned anew from the new time');
      } else log.error({ probes, err: detail }, 'cycle failed');
    },
  });
  if (!options.manual) schedule.start();
  log.info(
    {
      address: `${address.address}:${address.port}`,
      telemetryPath: config.telemetryPath,
      config: config.file ?? null,
      groups: groups.map((g) => ({ schedule: g.cron, probes: g.probes.map((p) => p.id) })),
    },
    'xendoctor serve started',
  );
  let stopped: Promise<void> | undefined;
  return {
    address,
    state,
    schedule,
    groups,
    following,
    reload() {
      if (!webConfig) return false;
      webConfig.reload();
      return true;
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await schedule.stop();
        await following;
        await close(server);
        log.info({}, 'xendoctor serve stopped');
      })();
      return stopped;
    },
  };
}

/**
 * /report.json (host name, Xen command line, domain names) has no authentication of its own: say so when
 * it is served beyond this host without basic auth or a required client certificate (docs/decisions/0004).
 */
export function warnIfExposed(address: AddressInfo, webConfig: WebConfigSource | undefined, log: Log): void {
  const current = webConfig?.current;
  const authenticated =
    (current?.users.size ?? 0) > 0 ||
    current?.tls?.clientAuth === 'RequireAndVerifyClientCert' ||
    current?.tls?.clientAuth === 'RequireAnyClientCert';
  if (authenticated || isLoopback(address.address)) return;
  log.warn(
    { address: address.address, port: address.port },
    'serving /report.json and /metrics without authentication beyond this host; listen on 127.0.0.1 or set basic_auth_users / client certificates in --web.config.file',
  );
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^::ffff:127\./i.test(address);
}
