// xen-daemons: xenstored and xenconsoled run in dom0, and the services that start them are enabled.
// Processes are the authority (/proc/<pid>/comm): service state lies (Debian's xen.service stays "active"
// after its daemons died). Enablement is read the way the host's init system keeps it.
import { type Finding, fromFindings, type MetricSample, type Probe, type Remedy } from '../check.js';
import { type Context, commandProblem, type InitSystem } from '../context.js';
import { bootRunlevels, initScriptNeeds, isRunlevelName } from '../parsers/openrc.js';
import { ParseError } from '../parsers/parse-error.js';
import {
  findXenDaemons,
  type ProcessEntry,
  pidsFromProcListing,
  XEN_DAEMONS,
  type XenDaemon,
} from '../parsers/processes.js';
import { parseUnitFiles, type UnitFile } from '../parsers/systemctl.js';
import { enableXenServices } from '../remedies/enable-xen-services.js';
import { startXenDaemons } from '../remedies/start-xen-daemons.js';
import type { XenService } from '../remedies/xen-services.js';

/** The services that start Xen's daemons and domains, wherever they exist. */
const SERVICES = [
  'xencommons',
  'xenstored',
  'xenconsoled',
  'xen-init-dom0',
  'xendomains',
  'xen-watchdog',
  'xen',
] as const;
type ServiceName = (typeof SERVICES)[number];
/** Services that start xenstored and xenconsoled themselves (upstream SysV/OpenRC, Debian). */
const UMBRELLAS: readonly ServiceName[] = ['xencommons', 'xen'];
/** xen-watchdog reboots the host when dom0 stops petting it: an opt-in, so a disabled one is no finding. */
const OPTIONAL: readonly ServiceName[] = ['xen-watchdog'];

/** A bound on init scripts read to follow `need` (a real boot set has a few dozen). */
const MAX_INIT_SCRIPTS = 200;

const UNIT_LIST = ['systemctl', 'list-unit-files', '--no-pager', 'xen*'] as const;

const CONSEQUENCE: Record<XenDaemon, string> = {
  xenstored: 'xl list, xl create and every xenstore client hang, and domains cannot be created or managed',
  xenconsoled: '`xl create` fails after ~20 s ("console tty: timed out") and `xl console` cannot attach',
};

/** What the init system says about one service. */
interface ServiceState {
  service: XenService;
  /** enabled, disabled, masked, or undefined when it cannot be told (a SysV script without rc links). */
  enabled: boolean | undefined;
  /** As printed, for evidence: "generated", "default runlevel", "no rc?.d start link"... */
  detail: string;
}

export const xenDaemons: Probe = {
  id: 'xen-daemons',
  title: 'Xen daemons and services',
  requires: 'dom0',
  async run(ctx) {
    const [processes, init] = await Promise.all([readProcesses(ctx), ctx.initSystem()]);
    const services = await readServices(ctx, init);
    const found = findXenDaemons(processes);
    const findings: Finding[] = [];
    const remedies: Remedy[] = [];
    const evidence: string[] = [];
    const metrics: MetricSample[] = [];

    const missing: XenDaemon[] = [];
    for (const daemon of XEN_DAEMONS) {
      const process = found[daemon];
      metrics.push({
        name: 'daemon_up',
        help: 'Whether a Xen daemon runs in dom0 (1) or not (0), from /proc/<pid>/comm.',
        labels: { daemon },
        value: process ? 1 : 0,
      });
      if (process) {
        evidence.push(`/proc/${process.pid}/comm: ${process.comm}`);
        continue;
      }
      missing.push(daemon);
      const names = daemon === 'xenstored' ? 'xenstored, oxenstored or cxenstored' : daemon;
      evidence.push(`${daemon}: no process named ${names} among ${processes.length} in /proc`);
      findings.push({
        code: `${daemon}-not-running`,
        severity: 'fail',
        message: `${daemon} is not running: ${CONSEQUENCE[daemon]}`,
      });
    }

    const states = services.states;
    evidence.push(...services.evidence);
    for (const state of states) evidence.push(`${serviceText(state.service)}: ${state.detail}`);

    if (missing.length > 0) {
      remedies.push(
        startXenDaemons({
          missing,
          services: startPlan(missing, states),
          xenstoredMissing: missing.includes('xenstored'),
        }),
      );
    }

    // A disabled daemon service is covered when an enabled umbrella service starts the daemons.
    // Gentoo's OpenRC xencommons only loads modules: its own xenstored and xenconsoled scripts start them.
    const umbrellaEnabled = states.some(
      (s) =>
        UMBRELLAS.includes(s.service.name as ServiceName) &&
        !(s.service.manager === 'openrc' && s.service.name === 'xencommons') &&
        s.enabled === true,
    );
    const disabled = states.filter(
      (s) =>
        s.enabled === false &&
        !OPTIONAL.includes(s.service.name as ServiceName) &&
        !(umbrellaEnabled && (s.service.name === 'xenstored' || s.service.name === 'xenconsoled')),
    );
    for (const state of disabled) {
      findings.push({
        code: state.service.masked ? 'xen-service-masked' : 'xen-service-disabled',
        severity: 'warn',
        message: `${serviceText(state.service)} will not start at boot: ${state.service.masked ? 'masked' : state.detail}`,
      });
    }
    if (disabled.length > 0) remedies.push(enableXenServices(disabled.map((s) => s.service)));

    const running = XEN_DAEMONS.map((d) => found[d]?.comm).filter(Boolean);
    const unknown = states.filter((s) => s.enabled === undefined).map((s) => serviceText(s.service));
    const enablement = !services.checked
      ? 'services not checked'
      : unknown.length > 0
        ? `${unknown.join(', ')}: enabled at boot or not cannot be told`
        : `${states.length} Xen services enabled`;
    const outcome = fromFindings({
      findings,
      okSummary: `${running.join(' and ')} running; ${enablement}`,
      evidence,
      remedies,
      metrics,
    });
    // Enablement that could not be read is blindness, never ok; a daemon that is down still says fail.
    if (services.problem && outcome.status !== 'fail') {
      const seen = outcome.status === 'ok' ? `${running.join(' and ')} running` : outcome.summary;
      return {
        ...outcome,
        status: 'error',
        summary: `${seen}; cannot tell which Xen services start at boot: ${services.problem}`,
      };
    }
    return outcome;
  },
};

function serviceText(service: XenService): string {
  return service.manager === 'systemd' ? `${service.name}.service` : `${service.name} (${service.manager})`;
}

/** Every process's pid and comm; a process that exits while being read is simply not there. */
async function readProcesses(ctx: Context): Promise<ProcessEntry[]> {
  const names = await ctx.host.listDir('/proc');
  if (names === undefined) throw new Error('/proc is missing: cannot list processes');
  const entries = await Promise.all(
    pidsFromProcListing(names).map(async (pid) => {
      const comm = await ctx.host.readFileIfExists(`/proc/${pid}/comm`).catch(() => undefined);
      return comm === undefined ? undefined : { pid, comm: comm.trim() };
    }),
  );
  return entries.filter((entry): entry is ProcessEntry => entry !== undefined);
}

interface Services {
  states: ServiceState[];
  /** Whether enablement could be read at all. */
  checked: boolean;
  /** Why it could not be read (a failed command, output of a shape the parser does not know). */
  problem?: string;
  evidence: string[];
}

async function readServices(ctx: Context, init: InitSystem): Promise<Services> {
  if (init === 'openrc') return openrcStates(ctx);
  if (init === 'systemd') return systemdStates(ctx);
  if (init === 'sysvinit') return { states: await sysvStates(ctx), checked: true, evidence: [] };
  return {
    states: [],
    checked: false,
    evidence: ['services: not checked (init system unknown: no /run/openrc, /run/systemd or /etc/inittab)'],
  };
}

// OpenRC: a script starts at boot when it is in a runlevel the boot enters (sysinit, the boot level, the
// softlevel the kernel command line selects, and the runlevels stacked into them), or is `need`ed by one.
async function openrcStates(ctx: Context): Promise<Services> {
  const cmdline = (await ctx.host.readFileIfExists('/proc/cmdline')) ?? '';
  const levels = bootRunlevels(cmdline);
  const evidence = [
    `OpenRC boots into: sysinit, ${levels.bootlevel}, ${levels.softlevel} (${levels.source})`,
  ];
  const inLevel = new Map<string, string>();
  const entered: string[] = [];
  for (const level of ['sysinit', levels.bootlevel, levels.softlevel]) {
    const found = await readRunlevel(ctx, level, inLevel, entered);
    if (!found) evidence.push(`/etc/runlevels/${level}: missing, so OpenRC starts nothing from it`);
  }
  if (entered.length > 3) evidence.push(`runlevels entered with their stacks: ${entered.join(', ')}`);
  const neededBy = await neededServices(ctx, [...inLevel.keys()]);
  const bootSet = `the runlevels this boot enters (${entered.join(', ')})`;
  const states = await Promise.all(
    SERVICES.map(async (name): Promise<ServiceState | undefined> => {
      if (!(await ctx.host.exists(`/etc/init.d/${name}`))) return undefined;
      const level = inLevel.get(name);
      const needer = neededBy.get(name);
      if (level !== undefined) {
        return { service: { manager: 'openrc', name }, enabled: true, detail: `in the ${level} runlevel` };
      }
      if (needer !== undefined) {
        return { service: { manager: 'openrc', name }, enabled: true, detail: `needed by ${needer}` };
      }
      const started = await ctx.host.exists(`/run/openrc/started/${name}`);
      // Added where this boot goes: the softlevel, never "default" behind an admin's custom runlevel.
      return {
        service: { manager: 'openrc', name, runlevel: levels.softlevel },
        enabled: false,
        detail: `in none of ${bootSet}${started ? '; started now by hand (/run/openrc/started)' : ''}`,
      };
    }),
  );
  return {
    states: states.filter((s): s is ServiceState => s !== undefined),
    checked: true,
    evidence,
  };
}

/**
 * Adds the services of one runlevel and of the runlevels stacked into it (`rc-update -s add default xen`
 * links /etc/runlevels/xen/default to ../default) to `inLevel`; false when the runlevel does not exist.
 */
async function readRunlevel(
  ctx: Context,
  level: string,
  inLevel: Map<string, string>,
  entered: string[],
): Promise<boolean> {
  if (entered.includes(level)) return true;
  const entries = await ctx.host.listDir(`/etc/runlevels/${level}`);
  if (entries === undefined) return false;
  entered.push(level);
  for (const entry of entries) {
    const entryPath = `/etc/runlevels/${level}/${entry}`;
    const link = await ctx.host.readLink(entryPath);
    // OpenRC stacks the runlevel named like the entry when the entry is a directory (or a link to one).
    const isStack =
      link === undefined
        ? (await ctx.host.listDir(entryPath)) !== undefined
        : /^\.\.\/[^/]+\/?$/.test(link) || link.startsWith('/etc/runlevels/');
    if (isStack) {
      if (isRunlevelName(entry)) await readRunlevel(ctx, entry, inLevel, entered);
    } else if (!inLevel.has(entry)) {
      inLevel.set(entry, level);
    }
  }
  return true;
}

/** Services pulled in by `need` from the given ones, transitively: name -> the service that needs it. */
async function neededServices(ctx: Context, roots: readonly string[]): Promise<Map<string, string>> {
  const neededBy = new Map<string, string>();
  const queue = [...roots];
  const read = new Set<string>();
  while (queue.length > 0 && read.size < MAX_INIT_SCRIPTS) {
    const name = queue.shift() as string;
    if (read.has(name)) continue;
    read.add(name);
    const script = await ctx.host.readFileIfExists(`/etc/init.d/${name}`).catch(() => undefined);
    if (script === undefined) continue;
    for (const need of initScriptNeeds(script)) {
      if (roots.includes(need) || neededBy.has(need)) continue;
      neededBy.set(need, name);
      queue.push(need);
    }
  }
  return neededBy;
}

// SysV (also systemd's units generated from /etc/init.d): enabled when a start link exists in rc2-5.d.
async function rcLinks(
  ctx: Context,
  name: string,
): Promise<{ enabled: boolean | undefined; detail: string }> {
  const dirs = await Promise.all(['2', '3', '4', '5'].map((n) => ctx.host.listDir(`/etc/rc${n}.d`)));
  const listed = dirs.filter((d): d is string[] => d !== undefined);
  if (listed.length === 0) return { enabled: undefined, detail: 'no /etc/rc?.d to tell whether it starts' };
  const start = new RegExp(`^S\\d{2}${name.replace(/[^\w-]/g, '')}$`);
  return listed.some((entries) => entries.some((entry) => start.test(entry)))
    ? { enabled: true, detail: 'start link in /etc/rc?.d' }
    : { enabled: false, detail: 'no start link in /etc/rc2.d../etc/rc5.d' };
}

async function sysvStates(ctx: Context): Promise<ServiceState[]> {
  const states = await Promise.all(
    SERVICES.map(async (name): Promise<ServiceState | undefined> => {
      if (!(await ctx.host.exists(`/etc/init.d/${name}`))) return undefined;
      return { service: { manager: 'sysv', name }, ...(await rcLinks(ctx, name)) };
    }),
  );
  return states.filter((s): s is ServiceState => s !== undefined);
}

// systemd: one `systemctl list-unit-files` for every xen* unit; units that do not exist are no finding
// (Debian has only xen and xendomains, generated from /etc/init.d).
async function systemdStates(ctx: Context): Promise<Services> {
  const result = await ctx.run(UNIT_LIST);
  const problem = commandProblem(result, [0, 1]);
  if (problem) {
    return {
      states: [],
      checked: false,
      problem: problem.summary,
      evidence: [`services: not checked (${problem.summary})`, ...problem.evidence],
    };
  }
  let units: UnitFile[];
  try {
    units = parseUnitFiles(result.stdout);
  } catch (caught) {
    if (!(caught instanceof ParseError)) throw caught;
    return {
      states: [],
      checked: false,
      problem: `could not parse \`${result.command}\`: ${caught.expected}`,
      evidence: [`services: not checked (${caught.message})`],
    };
  }
  const byName = new Map(units.map((u) => [u.unit, u]));
  const states: ServiceState[] = [];
  const evidence: string[] = [];
  // Xen's own systemd units (source builds, Fedora): they start the daemons, and the xencommons script that
  // `make install` also leaves in /etc/init.d (which systemd turns into a generated unit) is their SysV
  // fallback, not a service to enable.
  const nativeDaemonUnits = ['xenstored', 'xenconsoled'].filter((name) => {
    const state = byName.get(`${name}.service`)?.state;
    return state !== undefined && state !== 'generated';
  });
  for (const name of SERVICES) {
    const unit = byName.get(`${name}.service`);
    if (!unit) continue;
    if (name === 'xencommons' && unit.state === 'generated' && nativeDaemonUnits.length > 0) {
      evidence.push(
        `xencommons.service: generated from /etc/init.d/xencommons, not judged: ${nativeDaemonUnits.map((n) => `${n}.service`).join(' and ')} start the daemons`,
      );
      continue;
    }
    const masked = unit.state.startsWith('masked');
    const service: XenService = masked ? { manager: 'systemd', name, masked } : { manager: 'systemd', name };
    if (unit.state === 'generated') {
      const links = await rcLinks(ctx, name);
      states.push({
        service,
        enabled: links.enabled,
        detail: `generated from /etc/init.d/${name}, ${links.detail}`,
      });
    } else if (unit.state === 'disabled' || masked) {
      states.push({ service, enabled: false, detail: unit.state });
    } else {
      // enabled, enabled-runtime, static, indirect, alias, linked: started one way or another.
      states.push({ service, enabled: true, detail: unit.state });
    }
  }
  return { states, checked: true, evidence };
}

/** Which service to (re)start for the missing daemons: the daemon's own, else the umbrella's. */
function startPlan(
  missing: readonly XenDaemon[],
  states: readonly ServiceState[],
): { service: XenService; restart: boolean }[] {
  const plan: { service: XenService; restart: boolean }[] = [];
  const add = (service: XenService, restart: boolean) => {
    if (!plan.some((p) => p.service.name === service.name)) plan.push({ service, restart });
  };
  for (const daemon of missing) {
    const own = states.find((s) => s.service.name === daemon);
    if (own) {
      add(own.service, false);
      continue;
    }
    const umbrella = states.find((s) => UMBRELLAS.includes(s.service.name as ServiceName));
    // The umbrella "runs" already (its other daemon is up, or its state lies): only a restart starts it again.
    if (umbrella) add(umbrella.service, true);
  }
  return plan;
}
