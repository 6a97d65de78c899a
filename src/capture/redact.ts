// `capture --redact`: replaces host names, MAC addresses and UUIDs with stand-ins, consistently (the same
// MAC is the same stand-in in sysfs, ethtool output and xenstore, so a replay still joins them up).
// Not redacted: IP addresses, kernel command lines, paths, user names in process lists.

/** Values that identify nothing and that checks rely on, kept as they are. */
const KEEP_MACS = new Set(['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', 'fe:ff:ff:ff:ff:ff']);
const KEEP_UUIDS = new Set(['00000000-0000-0000-0000-000000000000']);
/** Host names that are not identifying; replacing them would mangle unrelated text. */
const KEEP_HOSTS = new Set(['localhost', 'localhost.localdomain', '(none)', '']);

const MAC = /(?<![0-9A-Fa-f:])[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}(?![0-9A-Fa-f:])/g;
const UUID =
  /(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f-])/g;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');

export class Redactor {
  private readonly macs = new Map<string, string>();
  private readonly uuids = new Map<string, string>();
  private readonly hosts: Array<{ pattern: RegExp; replacement: string }> = [];

  /** `hostNames`: the names this host goes by (hostname, FQDN, `xl info` host). */
  constructor(hostNames: readonly string[]) {
    const names = [
      ...new Set(hostNames.map((n) => n.trim()).filter((n) => !KEEP_HOSTS.has(n.toLowerCase()))),
    ];
    const stand: string[] = [];
    // Longest first, so "xen1.example.org" is replaced before its first label "xen1".
    const expanded = new Map<string, string>();
    for (const name of names) {
      const short = name.split('.')[0] ?? name;
      let base = expanded.get(short.toLowerCase());
      if (!base) {
        base = `redacted-host${stand.length + 1}`;
        stand.push(base);
        expanded.set(short.toLowerCase(), base);
      }
      if (name.includes('.')) expanded.set(name.toLowerCase(), `${base}.redacted.invalid`);
    }
    for (const [name, replacement] of [...expanded].sort((a, b) => b[0].length - a[0].length)) {
      // Short labels under 3 characters would match everywhere; only the full name is replaced then.
      if (name.length < 3) continue;
      this.hosts.push({
        pattern: new RegExp(`(?<![A-Za-z0-9-])${escapeRegExp(name)}(?![A-Za-z0-9-])`, 'gi'),
        replacement,
      });
    }
  }

  /** The text with every host name, MAC address and UUID replaced by its stand-in. */
  text(input: string): string {
    let out = input.replace(MAC, (mac) => this.mac(mac)).replace(UUID, (uuid) => this.uuid(uuid));
    for (const { pattern, replacement } of this.hosts) out = out.replace(pattern, replacement);
    return out;
  }

  /** Bytes that are UTF-8 text (no NUL) are redacted as text; anything binary is kept as it is. */
  bytes(input: Buffer): Buffer {
    if (input.includes(0)) return input;
    const text = input.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(input)) return input;
    return Buffer.from(this.text(text), 'utf8');
  }

  // Keeps the vendor prefix (OUI, e.g. Xen's 00:16:3e) and numbers the rest: still recognisable, not unique.
  private mac(mac: string): string {
    const key = mac.toLowerCase();
    if (KEEP_MACS.has(key)) return mac;
    let stand = this.macs.get(key);
    if (!stand) {
      const n = this.macs.size + 1;
      stand = `${key.slice(0, 8)}:${hex(n >> 16, 2)}:${hex((n >> 8) & 0xff, 2)}:${hex(n & 0xff, 2)}`;
      this.macs.set(key, stand);
    }
    return stand;
  }

  private uuid(uuid: string): string {
    const key = uuid.toLowerCase();
    if (KEEP_UUIDS.has(key)) return uuid;
    let stand = this.uuids.get(key);
    if (!stand) {
      stand = `00000000-0000-4000-8000-${hex(this.uuids.size + 1, 12)}`;
      this.uuids.set(key, stand);
    }
    return stand;
  }
}
