// Every parser in src/parsers/, with the verbatim real outputs it is fed on the lab's fixture hosts. The
// property tests (garbage.test.ts, huge.test.ts) run each entry on random, cut, re-encoded and huge input.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCpuinfo } from '../../src/parsers/cpuinfo.js';
import { findBootLine, findNetbackErrors, grepLines } from '../../src/parsers/dmesg.js';
import { offloadState, parseEthtoolFeatures } from '../../src/parsers/ethtool-features.js';
import {
  configuredXenCommandLine,
  configuredXenOptions,
  parseGrubDefault,
} from '../../src/parsers/grub-default.js';
import { isEnabled, parseKernelConfig } from '../../src/parsers/kernel-config.js';
import { classifyKernelMessage, parseKmsgRecord } from '../../src/parsers/kmsg.js';
import { parseNetSnmp } from '../../src/parsers/net-snmp.js';
import { bootRunlevels, initScriptNeeds } from '../../src/parsers/openrc.js';
import { parseProcMounts } from '../../src/parsers/proc-mounts.js';
import { findXenDaemons, pidsFromProcListing } from '../../src/parsers/processes.js';
import { parseUnitFiles } from '../../src/parsers/systemctl.js';
import { parseUpdateExtlinuxConf } from '../../src/parsers/update-extlinux-conf.js';
import { atLeast, compareXenVersions, parseXenVersion } from '../../src/parsers/version.js';
import { parseCommandLine } from '../../src/parsers/xen-cmdline.js';
import { parseGnttabQuerySize } from '../../src/parsers/xen-diag.js';
import { kernelOptions, parseXenEfiCfg } from '../../src/parsers/xen-efi-cfg.js';
import {
  parseSysfsCounter,
  parseVbdName,
  parseVifName,
  vbdDeviceName,
} from '../../src/parsers/xen-backend.js';
import { parseXlConf } from '../../src/parsers/xl-conf.js';
import { groupXenLog, parseXlDmesg } from '../../src/parsers/xl-dmesg.js';
import { parseXlInfo } from '../../src/parsers/xl-info.js';
import { parseXlListJson } from '../../src/parsers/xl-list-json.js';
import { parseXlList } from '../../src/parsers/xl-list.js';
import { FIXTURES, HOSTS } from '../helpers.js';

/** The fixture hosts built from the lab's real captures (each has a CAPTURED.md). */
export const REAL_HOSTS = readdirSync(HOSTS).filter((name) =>
  existsSync(path.join(HOSTS, name, 'CAPTURED.md')),
);

/** Every real capture of one file (a path under the host, e.g. "commands/replies/xl info.stdout"). */
function real(file: string): string[] {
  return (
    REAL_HOSTS.map((host) => path.join(HOSTS, host, file))
      .filter((full) => existsSync(full))
      .map((full) => readFileSync(full, 'utf8'))
      // An empty file is a capture's stand-in for one the checks only listed or tested, not a sample.
      .filter((text, i, all) => text !== '' && all.indexOf(text) === i)
  );
}

const reply = (argv: string) => real(`commands/replies/${argv}.stdout`);

export interface ParserCase {
  /** "module: function", as the test titles show it. */
  name: string;
  /** Calls the parser (and what callers do with its result, when that is pure too). */
  parse: (text: string) => unknown;
  /** Verbatim real input from the fixture hosts; at least one. */
  samples: string[];
  /** True when CRLF line ends must give the same data as LF (the parser splits lines with lines()). */
  crlfSame?: boolean;
  /** Size of the "huge" inputs when 10 MB cannot occur (with why); default 10 MB. */
  hugeBytes?: number;
}

const xlInfoField = (key: string) =>
  reply('xl info')
    .map((text) => new RegExp(`^${key}\\s*: (.*)$`, 'm').exec(text)?.[1])
    .filter((value): value is string => value !== undefined);

const procNames = REAL_HOSTS.map((host) => path.join(HOSTS, host, 'proc'))
  .filter((dir) => existsSync(dir))
  .map((dir) => readdirSync(dir).join('\n'));

// The pure helpers that take lists, not text: fed the lines of the input as the list.
const asNames = (text: string) => text.split('\n');
const asProcesses = (text: string) =>
  text.split('\n').map((line, i) => {
    const [pid, ...comm] = line.split(' ');
    return { pid: Number(pid) || i, comm: comm.join(' ') };
  });

export const PARSERS: ParserCase[] = [
  {
    name: 'cpuinfo: parseCpuinfo',
    parse: parseCpuinfo,
    samples: real('proc/cpuinfo'),
    crlfSame: true,
  },
  {
    name: 'kmsg: parseKmsgRecord, classifyKernelMessage',
    parse: (text) => {
      const record = parseKmsgRecord(text);
      return [record, classifyKernelMessage(record.message)];
    },
    // The lab captured dmesg, not /dev/kmsg: its real lines (and the made-up host's netback lines quoted
    // from xen-devel) in the record form /dev/kmsg gives them, one record per read.
    samples: [
      ...reply('dmesg'),
      readFileSync(path.join(HOSTS, 'made-up-netback-errors/commands/replies/dmesg.stdout'), 'utf8'),
    ]
      .flatMap((text) =>
        text
          .split('\n')
          .filter((line) => /^\[/.test(line))
          .slice(-3),
      )
      .map((line, i) => `6,${i},${i * 1000},-;${line.replace(/^\[[^\]]*\] /, '')}\n`),
    // One record per read: the kernel caps a record at about 1 KiB (PRINTKRB_RECORD_MAX).
    hugeBytes: 64 * 1024,
  },
  {
    name: 'net-snmp: parseNetSnmp',
    parse: (text) => [...parseNetSnmp(text)].map(([proto, table]) => [proto, [...table]]),
    // The lab did not capture /proc/net/snmp: this is the build machine's, verbatim (see its MADE-UP.md).
    samples: [readFileSync(path.join(HOSTS, 'made-up-redirects-forwarding/proc/net/snmp'), 'utf8')],
    crlfSame: true,
  },
  {
    name: 'dmesg: findBootLine, grepLines, findNetbackErrors',
    parse: (text) => [findBootLine(text)?.platform, grepLines(text, 'Xen').length, findNetbackErrors(text)],
    samples: reply('dmesg'),
    crlfSame: true,
  },
  {
    name: 'ethtool-features: parseEthtoolFeatures, offloadState',
    parse: (text) => {
      const parsed = parseEthtoolFeatures(text);
      return [parsed, ['generic-segmentation-offload', 'scatter-gather'].map((f) => offloadState(parsed, f))];
    },
    samples: [...reply('ethtool -k xenbr0'), ...reply('ethtool -k vif1.0'), ...reply('ethtool -k dummy0')],
    crlfSame: true,
  },
  {
    name: 'grub-default: parseGrubDefault, configuredXenCommandLine, configuredXenOptions',
    parse: (text) => [configuredXenCommandLine(parseGrubDefault(text)), configuredXenOptions(text)],
    samples: real('etc/default/grub'),
  },
  {
    name: 'update-extlinux-conf: parseUpdateExtlinuxConf',
    parse: (text) => {
      const conf = parseUpdateExtlinuxConf(text);
      return [[...conf.settings], conf.xenOpts, conf.overwrite];
    },
    // Alpine's shipped file (aports main/syslinux), verbatim; the lab has no Alpine host.
    samples: [readFileSync(path.join(FIXTURES, 'files/alpine/update-extlinux.conf'), 'utf8')],
    crlfSame: true,
  },
  {
    name: 'xen-efi-cfg: parseXenEfiCfg, kernelOptions',
    parse: (text) => {
      const cfg = parseXenEfiCfg(text);
      return [
        cfg.sections.map((s) => [s.name, [...s.values]]),
        cfg.options,
        kernelOptions(cfg.kernel?.value ?? ''),
      ];
    },
    // The lab boots Xen without EFI: the made-up host's xen.cfg, in the form of Xen's docs/misc/efi.pandoc.
    samples: [readFileSync(path.join(HOSTS, 'debian12-efi-xen-cfg/boot/efi/EFI/debian/xen.cfg'), 'utf8')],
    crlfSame: true,
  },
  {
    name: 'kernel-config: parseKernelConfig, isEnabled',
    parse: (text) => isEnabled(parseKernelConfig(text), 'XEN_DOM0'),
    samples: [
      ...real('boot/config-6.1.0-56-amd64'),
      gunzipSync(readFileSync(path.join(HOSTS, 'plain-linux/proc/config.gz'))).toString('utf8'),
    ],
    crlfSame: true,
  },
  {
    name: 'openrc: bootRunlevels, initScriptNeeds',
    parse: (text) => [bootRunlevels(text), initScriptNeeds(text)],
    // The kernel command lines of the real hosts; init scripts are excerpts of Gentoo's (see its MADE-UP.md).
    samples: [
      ...real('proc/cmdline'),
      ...['xendomains', 'xenstored', 'xenconsoled'].map((name) =>
        readFileSync(path.join(HOSTS, `gentoo-openrc-softlevel/etc/init.d/${name}`), 'utf8'),
      ),
    ],
    crlfSame: true,
  },
  {
    name: 'proc-mounts: parseProcMounts',
    parse: (text) => parseProcMounts(text).map(({ line: _line, ...mount }) => mount),
    samples: real('proc/mounts'),
    crlfSame: true,
  },
  {
    name: 'processes: pidsFromProcListing, findXenDaemons',
    parse: (text) => [pidsFromProcListing(asNames(text)), findXenDaemons(asProcesses(text))],
    samples: procNames,
    // A /proc listing is not output anyone can pad: 1 MB is ~300,000 pids, far above any real dom0
    // (10 MB would be 3 million processes).
    hugeBytes: 1024 * 1024,
  },
  {
    name: 'systemctl: parseUnitFiles',
    parse: parseUnitFiles,
    samples: reply('systemctl list-unit-files --no-pager xen*'),
    crlfSame: true,
  },
  {
    name: 'version: parseXenVersion, compareXenVersions, atLeast',
    parse: (text) => [parseXenVersion(text), compareXenVersions(text, '4.17.0'), atLeast(text, '4.10')],
    samples: xlInfoField('xen_version'),
  },
  {
    name: 'xen-cmdline: parseCommandLine',
    parse: (text) => [...parseCommandLine(text)],
    samples: [...xlInfoField('xen_commandline'), ...real('proc/cmdline')],
    crlfSame: true,
  },
  {
    name: 'xen-diag: parseGnttabQuerySize',
    parse: parseGnttabQuerySize,
    samples: [...reply('xen-diag gnttab_query_size 0'), ...reply('xen-diag gnttab_query_size 1')].filter(
      (text) => text.trim() !== '',
    ),
    crlfSame: true,
  },
  {
    name: 'xen-backend: parseSysfsCounter, parseVifName, parseVbdName, vbdDeviceName',
    parse: (text) => {
      const vbd = parseVbdName(text.trim());
      return [parseVifName(text.trim()), vbd && vbdDeviceName(vbd.vdev), parseSysfsCounter('counter', text)];
    },
    // The lab captured no statistics files: these are made-up-domain-devices' (Linux's shape, invented
    // numbers; see its MADE-UP.md), plus the real device names.
    samples: [
      ...['rx_bytes', 'tx_dropped'].map((f) =>
        readFileSync(path.join(HOSTS, `made-up-domain-devices/sys/class/net/vif1.0/statistics/${f}`), 'utf8'),
      ),
      readFileSync(
        path.join(HOSTS, 'made-up-domain-devices/sys/bus/xen-backend/devices/vbd-1-51712/statistics/rd_sect'),
        'utf8',
      ),
    ],
    crlfSame: true,
    // One number per file: sysfs never returns more than a page.
    hugeBytes: 4096,
  },
  {
    name: 'xl-conf: parseXlConf',
    parse: parseXlConf,
    samples: real('etc/xen/xl.conf'),
    crlfSame: true,
  },
  {
    name: 'xl-dmesg: parseXlDmesg, groupXenLog',
    parse: (text) => {
      const parsed = parseXlDmesg(text);
      return [parsed, groupXenLog(parsed.lines).length];
    },
    samples: reply('xl dmesg').filter((text) => text.trim() !== ''),
    crlfSame: true,
  },
  {
    name: 'xl-info: parseXlInfo',
    parse: parseXlInfo,
    samples: reply('xl info').filter((text) => text.trim() !== ''),
    crlfSame: true,
  },
  {
    name: 'xl-list-json: parseXlListJson',
    parse: parseXlListJson,
    samples: reply('xl list -l').filter((text) => text.trim() !== ''),
    crlfSame: true,
  },
  {
    name: 'xl-list: parseXlList',
    parse: parseXlList,
    samples: reply('xl list').filter((text) => text.trim() !== ''),
    crlfSame: true,
  },
];

/** The modules in src/parsers/ (without parse-error.ts), to prove the table misses none. */
export function parserModules(): string[] {
  const dir = path.join(HOSTS, '../../../src/parsers');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && file !== 'parse-error.ts')
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
}
