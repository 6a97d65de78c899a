// The vocabulary shared by probes, the report, the exporter and the fixer.
import type { Context } from './context.js';

/** ok/warn/fail/skip are verdicts; error means the check itself broke (the run goes on). */
export type Status = 'ok' | 'warn' | 'fail' | 'skip' | 'error';

/**
 * A machine-applicable file edit (used by `xendoctor fix`); each keeps every other line as it is.
 * - xen-cmdline: set options in GRUB_CMDLINE_XEN_DEFAULT (or GRUB_CMDLINE_XEN) of /etc/default/grub,
 *   replacing an existing value of the same option, never duplicating it.
 * - shell-options: the same for one shell variable that holds a command line (Alpine's `xen_opts` in
 *   /etc/update-extlinux.conf), keeping its other options.
 * - shell-var: set NAME="value" in a shell-style file such as /etc/xen/xl.conf (uncommenting if needed).
 * - ensure-line: append `line` unless a line matching `present` (a regex source) already exists.
 * - write-file: the whole content of a file xendoctor owns (a sysctl.d drop-in, a udev rule), with its mode.
 */
export type FileEdit =
  | { kind: 'xen-cmdline'; set: Record<string, string> }
  | { kind: 'shell-options'; variable: string; set: Record<string, string> }
  | { kind: 'shell-var'; name: string; value: string }
  | { kind: 'ensure-line'; line: string; present: string }
  | {
      kind: 'write-file';
      content: string;
      /** Permissions of the file, e.g. 0o755 for an /etc/local.d script; default 0o644. */
      mode?: number;
    };

/** A file change a remedy asks for: described for people, and (when it can be automated) as an edit. */
export interface RemedyFile {
  path: string;
  change: string;
  edit?: FileEdit;
}

/** A concrete, copy-pasteable fix. Ids are stable: `xendoctor fix --only ID` uses them. */
export interface Remedy {
  id: string;
  title: string;
  /** Shell commands an admin can paste, in order. */
  commands: string[];
  files: RemedyFile[];
  /** A reboot (of Xen, i.e. the whole host) is needed before the fix takes effect. */
  reboot: boolean;
  /** Why this fixes it, or what to watch for; one or two sentences. */
  note?: string;
  /**
   * The runtime actions `xendoctor fix --apply` may run itself, through the host seam (argv, no shell, with a
   * timeout), after the file edits. Each one's argv joined by spaces is also listed in `commands`; every other
   * command there (grub-mkconfig, grub-set-default...) is an instruction that fix only prints.
   */
  actions?: RemedyAction[];
}

/** One command `fix --apply` runs: argv without a shell, e.g. ['ethtool', '-K', 'xenbr0', 'tso', 'off']. */
export interface RemedyAction {
  argv: [string, ...string[]];
  /** Overrides fix's default of 60 s (starting a service can be slow). */
  timeoutMs?: number;
}

/**
 * How much a finding matters. `advice`: a tuning the guides recommend, with no sign of the problem on this
 * host (the check stays `ok`, keeps its remedy, and does not raise the exit code); `warn` and `fail`: the
 * host shows the problem, or a risk a release note documents for this version.
 */
export type Severity = 'advice' | 'warn' | 'fail';

/** One thing a check found. `code` is a stable kebab-case name (a metric label). */
export interface Finding {
  code: string;
  severity: Severity;
  message: string;
}

/** A sample for the Prometheus exporter, without the `xendoctor_` prefix. */
export interface MetricSample {
  name: string;
  help: string;
  labels: Record<string, string>;
  value: number;
  /**
   * 'counter' for a value that only grows (a kernel's byte or request count, CPU seconds): the name then
   * ends in `_total`. Default 'gauge'.
   */
  type?: 'gauge' | 'counter';
}

/** What a probe returns. The runner adds id, title and timing. */
export interface Outcome {
  status: Status;
  summary: string;
  evidence: string[];
  findings: Finding[];
  remedies: Remedy[];
  metrics: MetricSample[];
}

/** A check in the report: the outcome plus who and how long. */
export interface CheckResult extends Omit<Outcome, 'metrics'> {
  id: string;
  title: string;
  durationMs: number;
  metrics: MetricSample[];
}

/** What must be true of the host before a probe can say anything. */
export type Requirement = 'xen' | 'dom0';

export interface Probe {
  /** Stable kebab-case id (a public interface: users silence checks by it). */
  id: string;
  /** "Checking <title>" in the text report. */
  title: string;
  /** The runner skips the probe, with the reason, when the host is not under Xen / not dom0. */
  requires?: Requirement;
  run(ctx: Context): Promise<Outcome>;
}

const rank: Record<Status, number> = { skip: 0, ok: 1, warn: 2, fail: 3, error: 4 };

/** The worse of two statuses (error > fail > warn > ok > skip). */
export function worst(a: Status, b: Status): Status {
  return rank[a] >= rank[b] ? a : b;
}

/** A healthy outcome. */
export function ok(summary: string, evidence: string[] = [], metrics: MetricSample[] = []): Outcome {
  return { status: 'ok', summary, evidence, findings: [], remedies: [], metrics };
}

/** The probe cannot apply here; the reason is the summary. Never a guess at `ok`. */
export function skip(reason: string, evidence: string[] = [], metrics: MetricSample[] = []): Outcome {
  return { status: 'skip', summary: reason, evidence, findings: [], remedies: [], metrics };
}

/** The probe could not do its job (malformed output, unreadable file, timed-out command). */
export function error(summary: string, evidence: string[] = [], metrics: MetricSample[] = []): Outcome {
  return { status: 'error', summary, evidence, findings: [], remedies: [], metrics };
}

/** The status findings add up to: the worst warn/fail, `ok` when there are only advice or none. */
export function statusOf(findings: readonly Finding[]): Status {
  return findings.reduce<Status>((acc, f) => (f.severity === 'advice' ? acc : worst(acc, f.severity)), 'ok');
}

/**
 * An outcome from findings: the status is the worst finding (ok when there are only advice or none),
 * remedies are kept whenever there is a finding (advice too), deduplicated by id in the order given.
 */
export function fromFindings(parts: {
  findings: Finding[];
  okSummary: string;
  summary?: string;
  evidence?: string[];
  remedies?: Remedy[];
  metrics?: MetricSample[];
}): Outcome {
  const status = statusOf(parts.findings);
  const seen = new Set<string>();
  const remedies =
    parts.findings.length === 0
      ? []
      : (parts.remedies ?? []).filter((r) => !seen.has(r.id) && seen.add(r.id));
  // An ok check with advice is described by its advice ("OK (advice: ...)"), not by the ok summary.
  const summary =
    parts.findings.length === 0
      ? parts.okSummary
      : (parts.summary ?? parts.findings.map((f) => f.message).join('; '));
  return {
    status,
    summary,
    evidence: parts.evidence ?? [],
    findings: parts.findings,
    remedies,
    metrics: parts.metrics ?? [],
  };
}

/**
 * `--strict`: advice counts as warn (for those who want the guides enforced). The summary of a check that
 * turns warn is its advice, since the ok summary no longer describes it.
 */
export function strictOutcome(outcome: Outcome): Outcome {
  if (!outcome.findings.some((f) => f.severity === 'advice')) return outcome;
  const findings = outcome.findings.map((f) =>
    f.severity === 'advice' ? { ...f, severity: 'warn' as const } : f,
  );
  const status = outcome.status === 'ok' ? statusOf(findings) : outcome.status;
  const summary = outcome.status === 'ok' ? findings.map((f) => f.message).join('; ') : outcome.summary;
  return { ...outcome, findings, status, summary };
}
