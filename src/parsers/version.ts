import { ParseError } from './parse-error.js';

/** A Xen version as `xl info` prints it in xen_version ("4.17.7", "4.12.0-rc", "4.18-unstable"). */
export interface XenVersion {
  major: number;
  minor: number;
  /** 0 when absent ("4.18-unstable"). */
  patch: number;
  /** "rc", "rc2", "pre", "unstable": a development build, older than the release of the same number. */
  prerelease: string;
  /** Whatever follows, kept for messages (a distribution's "_04-150400.4.28" build suffix is no prerelease). */
  text: string;
}

// Upstream marks development builds "-rc", "-rcN", "-pre" or "-unstable" (xen_extra); any other suffix is a
// distribution's package release and says nothing about which upstream fixes are in.
const VERSION = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?:-(rc\d*|pre\d*|unstable)\b)?/i;

/** Parses a Xen version string; throws ParseError unless it starts with "major.minor". */
export function parseXenVersion(text: string): XenVersion {
  const trimmed = text.trim();
  const match = VERSION.exec(trimmed);
  if (!match) throw ParseError.of('xen version', 'a version like "4.17.7"', text);
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
    prerelease: (match[4] ?? '').toLowerCase(),
    text: trimmed,
  };
}

/** Negative when a is older than b, 0 when equal, positive when newer; a prerelease is older than its release. */
export function compareXenVersions(a: XenVersion | string, b: XenVersion | string): number {
  const x = typeof a === 'string' ? parseXenVersion(a) : a;
  const y = typeof b === 'string' ? parseXenVersion(b) : b;
  const byNumber = x.major - y.major || x.minor - y.minor || x.patch - y.patch;
  if (byNumber !== 0) return Math.sign(byNumber);
  if (x.prerelease === y.prerelease) return 0;
  if (x.prerelease === '') return 1;
  if (y.prerelease === '') return -1;
  return Math.sign(prereleaseRank(x.prerelease) - prereleaseRank(y.prerelease));
}

// Development order: "-unstable" (the master branch), then "-preN", then "-rcN"; N counts up within each.
function prereleaseRank(tag: string): number {
  const match = /^(unstable|pre|rc)(\d*)$/.exec(tag);
  const stage = { unstable: 0, pre: 1, rc: 2 }[(match?.[1] ?? 'unstable') as 'unstable' | 'pre' | 'rc'];
  return stage * 1e6 + Number(match?.[2] || 0);
}

/** Whether `version` is `minimum` or newer ("4.15.1-rc" is not at least "4.15.1"). */
export function atLeast(version: XenVersion | string, minimum: string): boolean {
  return compareXenVersions(version, minimum) >= 0;
}
