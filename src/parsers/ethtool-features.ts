import { lines, ParseError } from './parse-error.js';

/** One line of `ethtool -k`: whether a feature is on, and whether it can be changed. */
export interface EthtoolFeature {
  /** "on" in the output (the kernel's active state). */
  on: boolean;
  /** "[fixed]": the driver does not let this feature change; `ethtool -K` cannot turn it off. */
  fixed: boolean;
  /** "[requested on]" / "[requested off]": asked for, but not in effect (a dependency is off). */
  requested?: 'on' | 'off';
  /** The group line this indented sub-feature belongs to ("scatter-gather" for "tx-scatter-gather"). */
  parent?: string;
  /** Sub-features printed indented under this group line, in order. */
  parts: string[];
}

export interface EthtoolFeatures {
  /** The device named in the "Features for <dev>:" header. */
  device: string;
  /** Every feature by its long name, top-level and sub-features alike, in output order. */
  features: Map<string, EthtoolFeature>;
}

const SOURCE = 'ethtool -k';
const HEADER = /^Features for (\S+):\s*$/;
// Tab (or spaces) for a sub-feature, a kernel feature name, "on"/"off", an optional bracketed note. ethtool
// 6.x (netlink) may leave a space before an empty note, so trailing blanks are allowed.
const FEATURE =
  /^(\t| {1,8})?([A-Za-z0-9][A-Za-z0-9_-]*): (on|off)(?: \[(fixed|requested on|requested off)\])?[\t ]*$/;

/**
 * Parses `ethtool -k <dev>` (LC_ALL=C): a "Features for vif1.0:" header, then one
 * "tcp-segmentation-offload: on" line per feature; a group's sub-features follow it indented by a tab
 * ("\ttx-tcp-segmentation: on"), and a note may follow the state ("highdma: off [fixed]",
 * "tx-gso-robust: off [requested on]").
 */
export function parseEthtoolFeatures(text: string): EthtoolFeatures {
  const all = lines(text);
  const start = all.findIndex((line) => line.trim() !== '');
  const header = start === -1 ? undefined : HEADER.exec(all[start] ?? '');
  if (!header?.[1]) throw ParseError.of(SOURCE, 'a "Features for <dev>:" header', text);
  const features = new Map<string, EthtoolFeature>();
  let group: { name: string; feature: EthtoolFeature } | undefined;
  for (const line of all.slice(start + 1)) {
    if (line.trim() === '') continue;
    const match = FEATURE.exec(line);
    const name = match?.[2];
    if (!match || !name) throw ParseError.of(SOURCE, 'a "<feature>: on|off [fixed]" line', line);
    const feature: EthtoolFeature = { on: match[3] === 'on', fixed: match[4] === 'fixed', parts: [] };
    if (match[4] === 'requested on') feature.requested = 'on';
    if (match[4] === 'requested off') feature.requested = 'off';
    if (match[1]) {
      if (!group) throw ParseError.of(SOURCE, 'a feature line before the first sub-feature', line);
      feature.parent = group.name;
      group.feature.parts.push(name);
    } else {
      group = { name, feature };
    }
    features.set(name, feature);
  }
  if (features.size === 0) throw ParseError.of(SOURCE, 'at least one "<feature>: on|off" line', text);
  return { device: header[1], features };
}

/**
 * Whether a feature is on and whether `ethtool -K <dev> <feature> off` can turn it off: `undefined` when
 * the output does not list it. A group line (scatter-gather, tcp-segmentation-offload) has no note of its
 * own in ethtool 6.x: it stays on while any of its parts is "on [fixed]", so then it is 'on-fixed' too.
 */
export function offloadState(parsed: EthtoolFeatures, name: string): 'off' | 'on' | 'on-fixed' | undefined {
  const feature = parsed.features.get(name);
  if (!feature) return undefined;
  if (!feature.on) return 'off';
  if (feature.fixed) return 'on-fixed';
  const fixedPart = feature.parts.some((part) => {
    const sub = parsed.features.get(part);
    return sub?.on === true && sub.fixed;
  });
  return fixedPart ? 'on-fixed' : 'on';
}
