// The daemon without the command line: schedule + state + HTTP server, started and stopped as one.
// serve-command.ts wires it to flags and signals; tests and bench/ start it directly.
import type { AddressInfo } from 'node:net';
import type { Probe } from '../check.js';
import type { DaemonConfig } from '../config.js';
import { createHost } from '../host/host.js';
import { type Group, groupProbes, Schedule } from './schedule.js';
import { close, createServer, listen } from './server.js';
import { DaemonState, type Log } from './state.js';

export interface Daemon {
  address: AddressInfo;
  state: DaemonState;
  schedule: Schedule;
  groups: readonly Group[];
  stop(): Promise<void>;
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
  const server = await createServer({
    state,
    telemetryPath: config.telemetryPath,
    log,
    ...(config.web ? { web: config.web } : {}),
  });
  const address = await listen(server, config.listen.host, config.listen.port);
  const schedule = new Schedule({
    groups,
    settings: config.settings,
    host: () => createHost(config.host),
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
  let stopping: Promise<void> | undefined;
  return {
    address,
    state,
    schedule,
    groups,
    stop() {
      stopping ??= (async () => {
        await schedule.stop();
        await close(server);
        log.info({}, 'xendoctor serve stopped');
      })();
      return stopping;
    },
  };
}
