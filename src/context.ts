// What one report run knows: the host seam, the settings, and facts several probes share. Commands are
// memoised per run, so `xl info` runs once however many probes read it.
import { type BootLoader, detectBootLoader, readBootFiles } from './boot-loader.js';
import { error, type Outcome } from './check.js';
import type { CommandResult, Host } from './host/host.js';
import { effectiveGrubXen, type GrubFile } from './parsers/grub-default.js';
import { ParseError } from './parsers/parse-error.js';
import { parseCommandLine } from './parsers/xen-cmdline.js';
import { parseXlInfo, type XlInfo } from './parsers/xl-info.js';
import { parseXlList, type XlDomain } from './parsers/xl-list.js';
import type { XenBootTarget } from './remedies/xen-boot-options.js';

export interface Settings {
  /** grant-tables: warn when a domain uses at least this share of its max frames. */
  gnttabWarnRatio: number;
  /** `--strict` / config `strict`: advice counts as warn (the guides enforced). */
  strict: boolean;
}

export const defaultSettings: Settings = {
  gnttabWarnRatio: 0.75,
  strict: false,
};

/** A command's parsed output, or the outcome a probe should return instead (skip or error). */
export type Parsed<T> =
  { ok: true; value: T; result: CommandResult } | { ok: false; outcome: Outcome; result: CommandResult };

export type InitSystem = 'openrc' | 'systemd' | 'sysvinit' | 'unknown';

/** Xen's options as the boot loader will pass them at the next boot, and where a remedy changes them. */
export interface XenBootConfig {
  target: XenBootTarget;
  /** The configured options; undefined when the loader is unknown or its file could not be read. */
  options?: Map<string, string>;
  /** The file that holds them, for messages ("/etc/update-extlinux.conf"). */
  where: string;
  /** What makes a configured option take effect ("regenerate grub.cfg and reboot"). */
  takeEffect: string;
  evidence: string[];
}

/** Whether this kernel runs under Xen, and the line that says so. */
export interface XenPresence {
  underXen: boolean;
  evidence: string;
}

export class Context {
  private readonly runs = new Map<string, Promise<CommandResult>>();
  private readonly facts = new Map<string, Promise<unknown>>();

  constructor(
    readonly host: Host,
    readonly settings: Settings = defaultSettings,
  ) {}

  /** Runs a command once per report; later calls with the same argv share the result. */
  run(argv: readonly [string, ...string[]]): Promise<CommandResult> {
    const key = argv.join('\0');
    let result = this.runs.get(key);
    if (!result) {
      result = this.host.run(argv);
      this.runs.set(key, result);
    }
    return result;
  }

  /** Every command this run started, with its result (for `capture` and the timeout metrics). */
  async commands(): Promise<CommandResult[]> {
    return Promise.all(this.runs.values());
  }

  /**
   * Runs a command and parses its stdout. A missing command ("xl not found on PATH=/usr/bin:/bin"), a
   * timeout, a non-zero exit or a ParseError becomes `error` with the evidence. `acceptExit` lists exit
   * codes that still carry output worth parsing.
   */
  async parsed<T>(
    argv: readonly [string, ...string[]],
    parse: (text: string) => T,
    acceptExit: readonly number[] = [0],
  ): Promise<Parsed<T>> {
    const result = await this.run(argv);
    const problem = commandProblem(result, acceptExit);
    if (problem) return { ok: false, outcome: problem, result };
    try {
      return { ok: true, value: parse(result.stdout), result };
    } catch (caught) {
      if (caught instanceof ParseError) {
        return {
          ok: false,
          outcome: error(`could not parse \`${result.command}\`: ${caught.expected}`, [caught.message]),
          result,
        };
      }
      throw caught;
    }
  }

  /** `xl info`, parsed once; shared by cpu-virtualization, scheduler and dom0-memory. */
  xlInfo(): Promise<Parsed<XlInfo>> {
    return this.fact('xl info', () => this.parsed(['xl', 'info'], parseXlInfo));
  }

  /** `xl list`, parsed once; shared by grant-tables and domains. */
  xlList(): Promise<Parsed<XlDomain[]>> {
    return this.fact('xl list', () => this.parsed(['xl', 'list'], parseDom0XlList));
  }

  /** /sys/hypervisor/type says "xen" only when this kernel runs under Xen (the directory exists anyway). */
  xen(): Promise<XenPresence> {
    return this.fact('xen', async () => {
      const type = await this.host.readFileIfExists('/sys/hypervisor/type');
      if (type === undefined) return { underXen: false, evidence: '/sys/hypervisor/type: missing' };
      return {
        underXen: type.trim() === 'xen',
        evidence: `/sys/hypervisor/type: ${type.trim() || '(empty)'}`,
      };
    });
  }

  /**
   * dom0 or a guest (domU). /proc/xen/capabilities contains "control_d" only in dom0, once xenfs is
   * mounted; a guest's is empty. Many guests never mount xenfs: then /sys/hypervisor/properties/features
   * tells, since Xen sets XENFEAT_dom0 (bit 11) only for the hardware domain (xen/common/kernel.c,
   * XENVER_get_features). Neither known (xenfs not mounted, no features file): neither flag is set.
   */
  dom0(): Promise<XenRole> {
    return this.fact('dom0', async () => {
      const [caps, features, guestType] = await Promise.all([
        this.host.readFileIfExists('/proc/xen/capabilities'),
        this.host.readFileIfExists('/sys/hypervisor/properties/features'),
        this.host.readFileIfExists('/sys/hypervisor/guest_type'),
      ]);
      // "PV", "PVH" or "HVM" (drivers/xen/sys-hypervisor.c, Linux 4.15+): how this domain runs.
      const type = /^(PV|PVH|HVM)$/.exec(guestType?.trim() ?? '')?.[1];
      const withType = (role: Omit<XenRole, 'guestType'>): XenRole =>
        type ? { ...role, guestType: type } : role;
      if (caps !== undefined) {
        const isDom0 = caps.split(/\s+/).includes('control_d');
        return withType({
          isDom0,
          isDomU: !isDom0,
          evidence: `/proc/xen/capabilities: ${caps.trim() || '(empty)'}`,
        });
      }
      const bits = /^[0-9a-f]{1,16}$/i.test(features?.trim() ?? '')
        ? Number.parseInt(features?.trim() ?? '', 16)
        : undefined;
      if (bits === undefined || !(await this.xen()).underXen) {
        return withType({ isDom0: false, isDomU: false, evidence: '/proc/xen/capabilities: missing' });
      }
      const hardwareDomain = (bits & (1 << XENFEAT_DOM0)) !== 0;
      return withType({
        isDom0: false,
        isDomU: !hardwareDomain,
        evidence: `/proc/xen/capabilities: missing; /sys/hypervisor/properties/features: ${features?.trim() ?? ''} (${hardwareDomain ? 'with' : 'without'} XENFEAT_dom0)`,
      });
    });
  }

  /**
   * The Xen options GRUB is configured to boot with (/etc/default/grub, then /etc/default/grub.d/*.cfg: the
   * last assignment wins) and the file a fix must edit. `options` is undefined when there is no
   * /etc/default/grub or a file cannot be parsed (then probes do not compare, and say why in evidence).
   */
  grubXen(): Promise<{ options?: Map<string, string>; editFile: string; evidence: string[] }> {
    return this.fact('grub xen', async () => {
      const main = await this.host.readFileIfExists('/etc/default/grub');
      if (main === undefined) return { editFile: '/etc/default/grub', evidence: [] };
      const files: GrubFile[] = [{ path: '/etc/default/grub', text: main }];
      const dropIns = ((await this.host.listDir('/etc/default/grub.d')) ?? []).filter((n) =>
        n.endsWith('.cfg'),
      );
      for (const name of dropIns.sort()) {
        const text = await this.host.readFileIfExists(`/etc/default/grub.d/${name}`);
        if (text !== undefined) files.push({ path: `/etc/default/grub.d/${name}`, text });
      }
      try {
        const grub = effectiveGrubXen(files);
        const evidence =
          grub.editFile === '/etc/default/grub'
            ? []
            : [`GRUB_CMDLINE_XEN_DEFAULT is set last in ${grub.editFile} (it overrides /etc/default/grub)`];
        return { options: parseCommandLine(grub.commandLine), editFile: grub.editFile, evidence };
      } catch (caught) {
        if (!(caught instanceof ParseError)) throw caught;
        return { editFile: '/etc/default/grub', evidence: [`GRUB settings not compared: ${caught.message}`] };
      }
    });
  }

  /** The boot loader that starts Xen (src/boot-loader.ts), read once: the header and the remedies use it. */
  bootLoader(): Promise<BootLoader> {
    return this.fact('boot loader', async () => detectBootLoader(await readBootFiles(this.host)));
  }

  /** Xen's configured options for the next boot, from the file of this host's boot loader. */
  xenBoot(): Promise<XenBootConfig> {
    return this.fact('xen boot', async () => {
      const loader = await this.bootLoader();
      switch (loader.kind) {
        case 'grub2': {
          const grub = await this.grubXen();
          const config: XenBootConfig = {
            target: { loader, grubFile: grub.editFile },
            where: grub.editFile,
            takeEffect:
              loader.style === 'debian'
                ? 'regenerate grub.cfg and reboot'
                : `run grub2-mkconfig -o ${loader.grubCfg} and reboot`,
            evidence: loader.style === 'debian' ? grub.evidence : [...loader.evidence, ...grub.evidence],
          };
          if (grub.options) config.options = grub.options;
          return config;
        }
        case 'extlinux':
          return {
            target: { loader, grubFile: '/etc/default/grub' },
            options: parseCommandLine(loader.conf.xenOpts?.value ?? ''),
            where: '/etc/update-extlinux.conf',
            takeEffect: 'run update-extlinux and reboot',
            evidence: [`boot loader: extlinux; ${loader.evidence.join('; ')}`],
          };
        case 'xen-efi':
          return {
            target: { loader, grubFile: '/etc/default/grub' },
            options: parseCommandLine(loader.cfg.options?.value ?? ''),
            where: loader.path,
            takeEffect: 'reboot (xen.efi reads it at boot)',
            evidence: [`boot loader: xen.efi; ${loader.evidence.join('; ')}`],
          };
        case 'grub-legacy':
          return {
            target: { loader, grubFile: '/etc/default/grub' },
            where: loader.menu,
            takeEffect: 'reboot',
            evidence: [`boot loader: GRUB legacy (${loader.menu}); its Xen options not compared`],
          };
        case 'unknown':
          return {
            target: { loader, grubFile: '/etc/default/grub' },
            where: "the boot loader's configuration",
            takeEffect: 'reboot',
            evidence: [`boot loader: unknown: ${loader.reason}`, ...loader.evidence],
          };
      }
    });
  }

  /** Which init system runs this host, from the marker directories each one creates under /run. */
  initSystem(): Promise<InitSystem> {
    return this.fact('init', async () => {
      if (await this.host.exists('/run/openrc/softlevel')) return 'openrc';
      if (await this.host.exists('/run/systemd/system')) return 'systemd';
      if (await this.host.exists('/etc/inittab')) return 'sysvinit';
      return 'unknown';
    });
  }

  private fact<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let value = this.facts.get(key) as Promise<T> | undefined;
    if (!value) {
      value = compute();
      this.facts.set(key, value);
    }
    return value;
  }
}

/** xen/include/public/features.h: "operation as Dom0 is supported", set only for the hardware domain. */
const XENFEAT_DOM0 = 11;

export interface XenRole {
  /** /proc/xen/capabilities says control_d. */
  isDom0: boolean;
  /** Known to be a guest: capabilities without control_d, or no XENFEAT_dom0 in the features. */
  isDomU: boolean;
  /** /sys/hypervisor/guest_type: "PV", "PVH" or "HVM". */
  guestType?: string;
  evidence: string;
}

/** "this is a domU (PVH guest)": the reason a dom0 check does not apply. */
export function domUReason(role: XenRole): string {
  return `this is a domU${role.guestType ? ` (${role.guestType} guest)` : ''}`;
}

/** `xl list` as dom0 sees it: Domain-0 is always listed, so a list without it is garbage, not a host. */
function parseDom0XlList(text: string): XlDomain[] {
  const list = parseXlList(text);
  if (!list.some((domain) => domain.domid === 0)) {
    throw ParseError.of('xl list', 'a Domain-0 row (domid 0)', text);
  }
  return list;
}

/** Why a command's output cannot be used, as the outcome to report; undefined when it can. */
export function commandProblem(
  result: CommandResult,
  acceptExit: readonly number[] = [0],
): Outcome | undefined {
  const name = result.command.split(' ')[0] ?? result.command;
  // A check that cannot run its tool cannot see: UNKNOWN, never a silent skip (probes that do not apply
  // have been skipped by `requires` before they run anything).
  if (result.notFound) {
    const cause = notFoundCause(result);
    return error(cause, [`${result.command}: ${cause}${packageHint(name)}`]);
  }
  if (result.blockedBy) {
    const holder = result.blockedBy;
    return error(`previous ${holder.name} still running`, [
      `${holder.command}: pid ${holder.pid} still alive after SIGKILL since ${new Date(holder.since).toISOString()}; \`${result.command}\` not started`,
    ]);
  }
  if (result.stuck) {
    return error(`\`${result.command}\` hung and could not be killed`, [
      `${result.command}: still running after SIGKILL`,
    ]);
  }
  if (result.timedOut) {
    return error(`\`${result.command}\` timed out after ${Math.round(result.durationMs / 1000)} s`, [
      `${result.command}: killed after ${Math.round(result.durationMs)} ms`,
    ]);
  }
  if (result.spawnError) return error(`could not run \`${result.command}\`: ${result.spawnError}`);
  if (result.exitCode === null || !acceptExit.includes(result.exitCode)) {
    const how = result.exitCode === null ? `was killed by ${result.signal}` : `exited ${result.exitCode}`;
    const said = firstLine(result.stderr) || firstLine(result.stdout);
    return error(
      `\`${result.command}\` ${how}${said ? `: ${said}` : ''}`,
      said ? [`${result.command}: ${said}`] : [],
    );
  }
  return undefined;
}

/** Where the package manager has the tool, for the evidence of a missing one. */
const PACKAGES: Record<string, string> = {
  xl: 'Debian: xen-utils-<version>; Alpine: xen',
  'xen-diag': 'Xen 4.10 or later; Debian: xen-utils-<version>; Alpine: xen',
  ethtool: 'Debian, Ubuntu, Alpine and Fedora: ethtool; Gentoo: sys-apps/ethtool',
  dmesg: 'Debian: util-linux; Alpine: util-linux-misc or busybox',
};

function packageHint(name: string): string {
  const where = PACKAGES[name];
  return where ? ` (install: ${where})` : '';
}

/** "xl not found on PATH=/usr/bin:/bin; it is in /usr/sbin" */
export function notFoundCause(result: CommandResult): string {
  const name = result.command.split(' ')[0] ?? result.command;
  const where = result.searchedPath === undefined ? 'PATH' : `PATH=${result.searchedPath}`;
  const elsewhere = result.foundElsewhere ? `; it is in ${result.foundElsewhere}` : '';
  return `${name} not found on ${where}${elsewhere}`;
}

function firstLine(text: string): string {
  return text.trim().split(/\r?\n/)[0]?.slice(0, 200) ?? '';
}
