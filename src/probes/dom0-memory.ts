// dom0-memory: dom0 should own a fixed amount of memory (dom0_mem=SIZE,max:SIZE on the Xen command line)
// and xl should not balloon it (autoballoon "off", or "auto", which xl turns off when dom0_mem is set).
// Otherwise dom0 starts with all the host's memory and every guest start shrinks it, until backends and
// qemu in dom0 run out. Reads `xl info` xen_commandline (what Xen booted with) and /etc/xen/xl.conf.
import { error, type Finding, fromFindings, type MetricSample, type Probe, type Remedy } from '../check.js';
import { ParseError } from '../parsers/parse-error.js';
import { parseCommandLine } from '../parsers/xen-cmdline.js';
import { parseXlConf } from '../parsers/xl-conf.js';
import { autoballoonOff } from '../remedies/autoballoon-off.js';
import { dom0Mem } from '../remedies/dom0-mem.js';

const XL_CONF = '/etc/xen/xl.conf';

export const dom0Memory: Probe = {
  id: 'dom0-memory',
  title: 'dom0 memory and ballooning',
  requires: 'dom0',
  async run(ctx) {
    const [info, xlConfText, boot] = await Promise.all([
      ctx.xlInfo(),
      ctx.host.readFileIfExists(XL_CONF),
      ctx.xenBoot(),
    ]);
    if (!info.ok) return info.outcome;
    const findings: Finding[] = [];
    const remedies: Remedy[] = [];
    const metrics: MetricSample[] = [];
    const evidence: string[] = [];

    // dom0_mem=[min:SIZE,][max:SIZE,][SIZE]
    const value = parseCommandLine(info.value.xenCommandline).get('dom0_mem');
    const mem = value === undefined ? undefined : parseDom0Mem(value);
    evidence.push(`xl info xen_commandline: ${info.value.xenCommandline || '(empty)'}`);
    const configured = boot.options?.get('dom0_mem');
    evidence.push(...boot.evidence);
    const pending =
      configured !== undefined && configured !== value && parseDom0Mem(configured).max !== undefined
        ? `; dom0_mem=${configured} is already in ${boot.where}: ${boot.takeEffect}`
        : '';
    if (mem === undefined) {
      findings.push({
        code: 'dom0-mem-unset',
        severity: 'warn',
        message: `Xen booted without dom0_mem: dom0 starts with all the host's memory and is ballooned down for guests${pending}`,
      });
      remedies.push(dom0Mem(undefined, boot.target));
    } else if (mem.max === undefined) {
      findings.push({
        code: 'dom0-mem-no-max',
        severity: 'warn',
        message: `dom0_mem=${value} has no max: dom0 may balloon up to all of the host's memory${pending}`,
      });
      remedies.push(dom0Mem(mem.amount && !mem.amount.startsWith('-') ? mem.amount : undefined, boot.target));
    } else {
      const bytes = sizeBytes(mem.max);
      if (bytes !== undefined) {
        metrics.push({
          name: 'dom0_memory_max_bytes',
          help: 'The most memory dom0 may have: max: of dom0_mem on the Xen command line (xl info).',
          labels: {},
          value: bytes,
        });
      }
    }

    // autoballoon: a missing file or a commented-out line means xl's default, "auto".
    let autoballoon = 'auto';
    let unreadable: string | undefined;
    if (xlConfText === undefined) {
      evidence.push(`${XL_CONF}: missing, so xl uses autoballoon="auto"`);
    } else {
      try {
        const conf = parseXlConf(xlConfText);
        const setting = conf.settings.get('autoballoon');
        const commented = conf.commented.get('autoballoon');
        if (setting) {
          autoballoon = setting.value;
          evidence.push(`${XL_CONF}:${setting.line}: autoballoon="${setting.value}"`);
        } else if (commented !== undefined) {
          evidence.push(`${XL_CONF}:${commented}: autoballoon commented out, so xl uses "auto"`);
        } else {
          evidence.push(`${XL_CONF}: no autoballoon line, so xl uses "auto"`);
        }
      } catch (caught) {
        if (!(caught instanceof ParseError)) throw caught;
        unreadable = caught.message;
        evidence.push(caught.message);
      }
    }
    if (!unreadable) {
      if (autoballoon === 'on' || autoballoon === '1') {
        findings.push({
          code: 'autoballoon-on',
          severity: 'warn',
          message: `xl.conf sets autoballoon="${autoballoon}": xl shrinks dom0 to make room for every new guest`,
        });
        remedies.push(autoballoonOff());
      } else if (autoballoon === 'auto') {
        evidence.push(
          mem === undefined
            ? 'autoballoon "auto" balloons dom0, because dom0_mem is not set'
            : 'autoballoon "auto" does not balloon dom0, because dom0_mem is set',
        );
      } else if (autoballoon !== 'off' && autoballoon !== '0') {
        findings.push({
          code: 'autoballoon-invalid',
          severity: 'warn',
          message: `xl does not understand autoballoon="${autoballoon}" (it says so on every run and uses "auto")`,
        });
        remedies.push(autoballoonOff());
      }
    }

    if (unreadable && findings.length === 0) {
      return error(`could not read ${XL_CONF}`, evidence, metrics);
    }
    const ballooning = autoballoon === 'auto' ? 'auto (default)' : autoballoon;
    return fromFindings({
      findings,
      okSummary: `dom0_mem=${value} and autoballoon ${ballooning}: dom0's memory is fixed`,
      evidence,
      remedies,
      metrics,
    });
  },
};

interface Dom0Mem {
  /** The plain size ("1024M", "-2G" for all but 2G, "10%" on newer Xen). */
  amount?: string;
  min?: string;
  max?: string;
}

// "1024M,max:1024M" -> { amount: "1024M", max: "1024M" }.
function parseDom0Mem(value: string): Dom0Mem {
  const mem: Dom0Mem = {};
  for (const part of value.split(',')) {
    if (part.startsWith('max:')) mem.max = part.slice(4);
    else if (part.startsWith('min:')) mem.min = part.slice(4);
    else if (part) mem.amount = part;
  }
  return mem;
}

const UNIT: Record<string, number> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

// Xen's size syntax: a number and an optional B/K/M/G/T suffix, kilobytes when there is none. Relative
// sizes ("-1G", "10%") depend on the host: undefined.
function sizeBytes(size: string): number | undefined {
  const match = /^(\d{1,15})([bkmgt]?)$/i.exec(size);
  if (!match) return undefined;
  return Number(match[1]) * (UNIT[(match[2] || 'k').toLowerCase()] ?? 1);
}
