import { lines, ParseError } from './parse-error.js';

/**
 * Parses /proc/net/snmp: pairs of lines per protocol, names then values, e.g.
 * "Icmp: InMsgs InErrors ... OutRedirects ..." followed by "Icmp: 1 0 ... 0 ...".
 * Returns protocol -> counter -> value. A values line that does not match its names line is a ParseError.
 */
export function parseNetSnmp(text: string): Map<string, Map<string, number>> {
  const tables = new Map<string, Map<string, number>>();
  const rows = lines(text).filter((line) => line.trim() !== '');
  for (let i = 0; i < rows.length; i += 2) {
    const names = splitRow(rows[i] as string);
    const values = splitRow(rows[i + 1] ?? '');
    if (!names || !values || names.protocol !== values.protocol) {
      throw ParseError.of(
        '/proc/net/snmp',
        'a "Proto: Name ..." line followed by "Proto: value ..."',
        rows[i] ?? '',
      );
    }
    if (names.fields.length !== values.fields.length || !values.fields.every((v) => /^-?\d+$/.test(v))) {
      throw ParseError.of(
        '/proc/net/snmp',
        `as many numbers as names for ${names.protocol}`,
        rows[i + 1] ?? '',
      );
    }
    tables.set(names.protocol, new Map(names.fields.map((name, j) => [name, Number(values.fields[j])])));
  }
  if (tables.size === 0) throw ParseError.of('/proc/net/snmp', 'at least one "Proto: ..." table', text);
  return tables;
}

function splitRow(line: string): { protocol: string; fields: string[] } | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const protocol = line.slice(0, colon);
  if (!/^[A-Za-z0-9]+$/.test(protocol)) return undefined;
  return {
    protocol,
    fields: line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((f) => f !== ''),
  };
}
