import { lines, ParseError } from './parse-error.js';

/** One row of `systemctl list-unit-files`. */
export interface UnitFile {
  /** "xen.service" */
  unit: string;
  /** enabled, disabled, static, masked, generated, indirect, alias, linked... (kept as printed) */
  state: string;
  /** The vendor preset ("enabled", "disabled", "-"); undefined on systemd before 245 (no column). */
  preset?: string;
}

// The header differs by systemd version (checked against real output of each):
//   before 245:  "UNIT FILE                     STATE"
//   245 to 251:  "UNIT FILE                     STATE           VENDOR PRESET"  (Debian 11: 247, Ubuntu 22.04: 249)
//   252 and on:  "UNIT FILE                     STATE           PRESET"         (Debian 12: 252)
// Any other header throws: a column this parser does not know could shift the state it reads.
const HEADER = /^UNIT FILE\s+STATE(\s+(?:VENDOR )?PRESET)?\s*$/;
const FOOTER = /^(\d+) unit files? listed\.$/;
const ROW = /^(\S+)\s+(\S+)(?:\s+(\S+))?\s*$/;

/**
 * Parses `systemctl list-unit-files --no-pager 'xen*'`, e.g.
 * "xen.service        generated -" between the header and "2 unit files listed.". With no match systemd
 * prints only "0 unit files listed.". The footer's count must match the rows (a cut-off output throws).
 */
export function parseUnitFiles(text: string): UnitFile[] {
  const rows = lines(text)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  const footer = rows.pop();
  const count = footer === undefined ? undefined : FOOTER.exec(footer.trim());
  if (!count) {
    throw ParseError.of('systemctl list-unit-files', 'a final "N unit files listed." line', footer ?? '');
  }
  if (rows.length === 0 && count[1] === '0') return [];
  const header = rows.shift();
  if (header === undefined || !HEADER.test(header)) {
    throw ParseError.of(
      'systemctl list-unit-files',
      'a "UNIT FILE STATE [VENDOR ]PRESET" header',
      header ?? '',
    );
  }
  const hasPreset = header.includes('PRESET');
  const units = rows.map((line) => {
    const match = ROW.exec(line);
    if (!match?.[1] || !match[2] || (hasPreset && !match[3])) {
      throw ParseError.of('systemctl list-unit-files', 'a row "unit state preset"', line);
    }
    const unit: UnitFile = { unit: match[1], state: match[2] };
    if (hasPreset && match[3]) unit.preset = match[3];
    return unit;
  });
  if (units.length !== Number(count[1])) {
    throw ParseError.of(
      'systemctl list-unit-files',
      `${count[1]} rows as the footer says, got ${units.length}`,
      text,
    );
  }
  return units;
}
