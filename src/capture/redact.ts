// `capture --redact`: replaces identifying values with stand-ins, consistently (the same MAC is the same
// stand-in in sysfs, ethtool output and xenstore, so a replay still joins them up). Names are replaced as
// whole tokens only: a host called "xen" must not turn /proc/xen or dom0_mem into something else.
// The full list of what is and is not redacted is in docs/capture.md; `Redactor.summary()` says it too.

/** Values that identify nothing and that checks rely on, kept as they are. */
const KEEP_MACS = new Set(['000000000000', 'ffffffffffff', 'feffffffffff']);
const KEEP_UUIDS = new Set(['00000000-0000-0000-0000-000000000000']);
/** Host and domain names that are not identifying; replacing them would mangle unrelated text. */
const KEEP_NAMES = new Set(['localhost', 'localhost.localdomain', '(none)', '', 'domain-0']);
/**
 * Names that are also words of Xen and Linux output: a host or domain so named is replaced only where it
 * is written exactly so (case-sensitive) and not right after a '/' (a path such as /proc/xen).
 */
const VOCABULARY = new Set([
  'xen',
  'dom0',
  'domu',
  'xl',
  'xenstore',
  'xenbr0',
  'linux',
  'debian',
  'ubuntu',
  'gentoo',
  'alpine',
  'host',
  'hypervisor',
  'root',
  'kernel',
  'vif',
  'eth0',
  'bridge',
  'guest',
  'test',
  'server',
  'node',
]);

const HEX = '[0-9A-Fa-f]';
// 00:16:3e:54:e9:11 or 00-16-3e-54-e9-11 (separators consistent), or bare 00163e54e911 (see bareMac).
const MAC = new RegExp(
  `(?<![0-9A-Fa-f:-])${HEX}{2}([:-])${HEX}{2}(?:\\1${HEX}{2}){4}(?![0-9A-Fa-f:-])|(?<![0-9A-Za-z_:.-])${HEX}{12}(?![0-9A-Za-z_:.-])`,
  'g',
);
const UUID = new RegExp(
  `(?<![0-9A-Fa-f-])${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}(?![0-9A-Fa-f-])`,
  'g',
);
// An IPv6 interface id made from a MAC (EUI-64: ff:fe in the middle, the U/L bit flipped).
const EUI64 = new RegExp(
  `(?<![0-9A-Fa-f])(${HEX}{1,4}):(${HEX}{1,2})ff:fe(${HEX}{2}):(${HEX}{1,4})(?![0-9A-Fa-f:])`,
  'gi',
);
// user:password@ in a URL (ks=http://admin:secret@10.0.0.1/ks.cfg), or user@ alone.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{1,15}:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;
// key=value where the key says it is a secret (kernel command line, config files).
const SECRET_VALUE =
  /\b([\w.-]*(?:passw(?:or)?d|passphrase|pw|token|secret|api[_-]?key|credentials?)=)[^\s"']+/gi;
// Serial numbers: udev properties, sysfs/smartctl/lsusb key-value forms, and /dev/disk/by-id names.
const SERIAL_VALUE =
  /\b(ID_SERIAL(?:_SHORT)?=|ID_WWN(?:_WITH_EXTENSION)?=|ID_SCSI_SERIAL=|[Ss]erial(?:[ _]?[Nn]umber)?\s*[:=]\s*|iSerial\s+\d+\s+)[^\s"']+/g;
const DISK_ID = /\b((?:ata|nvme|scsi|usb|wwn|mmc|virtio)-)([A-Za-z0-9][\w.:-]*)/g;
// A user's home folder names the user.
const HOME = /(?<=\/home\/)[^\s/"':]+/g;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');

/** The identifying values of one host beyond its host names (found by the capture in what it read). */
export interface RedactExtras {
  /** domU names (from `xl list`). */
  domains?: readonly string[];
  /** Login names of people (uid >= 1000 in /etc/passwd). */
  users?: readonly string[];
}

interface NamePattern {
  pattern: RegExp;
  replacement: string;
}

export class Redactor {
  private readonly macs = new Map<string, number>();
  private readonly uuids = new Map<string, string>();
  private readonly ids = new Map<string, string>();
  private readonly names: NamePattern[] = [];
  /** Names left as they are, with the reason (said in the capture's output and CAPTURED.md). */
  readonly notRedacted: string[] = [];

  /** `hostNames`: the names this host goes by (hostname, FQDN, `xl info` host). */
  constructor(hostNames: readonly string[], extras: RedactExtras = {}) {
    const replacements = new Map<string, string>();
    let hosts = 0;
    for (const raw of hostNames) {
      const name = raw.trim();
      if (KEEP_NAMES.has(name.toLowerCase())) continue;
      const [short = name, ...rest] = name.split('.');
      let base = replacements.get(short);
      if (!base) {
        base = `redacted-host${++hosts}`;
        replacements.set(short, base);
      }
      if (rest.length > 0) {
        replacements.set(name, `${base}.redacted.invalid`);
        // The FQDN's domain names the site too (resolv.conf's search line, mailname): "example.org".
        const domain = rest.join('.');
        if (domain.includes('.') && !KEEP_NAMES.has(domain.toLowerCase()))
          replacements.set(domain, 'redacted.invalid');
      }
    }
    (extras.domains ?? []).forEach((name, i) => {
      if (!KEEP_NAMES.has(name.toLowerCase()) && !replacements.has(name))
        replacements.set(name, `redacted-domain${i + 1}`);
    });
    (extras.users ?? []).forEach((name, i) => {
      if (!replacements.has(name)) replacements.set(name, `redacted-user${i + 1}`);
    });
    // Longest first, so "xen1.example.org" is replaced before its first label "xen1".
    for (const [name, replacement] of [...replacements].sort((a, b) => b[0].length - a[0].length)) {
      if (name.length < 2) {
        this.notRedacted.push(`${JSON.stringify(name)} (one character: it would match everywhere)`);
        continue;
      }
      // Short names and words of Xen's own output: exact case, and never as part of a path.
      const strict = name.length < 3 || VOCABULARY.has(name.toLowerCase());
      this.names.push({
        pattern: new RegExp(
          `(?<![A-Za-z0-9_${strict ? '/' : ''}-])${escapeRegExp(name)}(?![A-Za-z0-9_-])`,
          strict ? 'g' : 'gi',
        ),
        replacement,
      });
    }
  }

  /** What this redactor replaces and what it leaves, in one sentence for the capture's output. */
  summary(): string {
    const skipped = this.notRedacted.length > 0 ? ` Not redacted: ${this.notRedacted.join(', ')}.` : '';
    return (
      'Replaced: host names and their domain, domU names, user names, MAC addresses (any notation) and ' +
      'the IPv6 addresses made from them, UUIDs, disk and USB serial numbers, credentials in URLs and in ' +
      `password/token/secret= values. Not replaced: IP addresses, paths, process lists, dmesg text.${skipped}`
    );
  }

  /** The text with every identifying value replaced by its stand-in. */
  text(input: string): string {
    let out = input
      .replace(URL_CREDENTIALS, '$1redacted:redacted@')
      .replace(SECRET_VALUE, '$1REDACTED')
      .replace(SERIAL_VALUE, '$1REDACTED')
      .replace(DISK_ID, (_, prefix: string, id: string) => prefix + this.id(id))
      .replace(EUI64, (...m: string[]) => this.eui64(m[0] ?? '', m.slice(1, 5)))
      .replace(MAC, (mac) => this.mac(mac))
      .replace(UUID, (uuid) => this.uuid(uuid))
      .replace(HOME, (user) => this.id(user, 'redacted-user'));
    for (const { pattern, replacement } of this.names) out = out.replace(pattern, replacement);
    return out;
  }

  /** Bytes that are UTF-8 text (no NUL) are redacted as text; anything binary is kept as it is. */
  bytes(input: Buffer): Buffer {
    if (input.includes(0)) return input;
    const text = input.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(input)) return input;
    return Buffer.from(this.text(text), 'utf8');
  }

  // The stand-in MAC's 12 hex digits: the vendor prefix (OUI, e.g. Xen's 00:16:3e) kept, the rest numbered.
  private macDigits(digits: string): string {
    const key = digits.toLowerCase();
    if (KEEP_MACS.has(key)) return key;
    let n = this.macs.get(key);
    if (n === undefined) {
      n = this.macs.size + 1;
      this.macs.set(key, n);
    }
    return `${key.slice(0, 6)}${hex(n >> 16, 2)}${hex((n >> 8) & 0xff, 2)}${hex(n & 0xff, 2)}`;
  }

  // Same notation out as in: colons, dashes or bare; a bare run of 12 hex digits counts as a MAC only with
  // both letters and digits in it (a 12-digit decimal number is a byte count, not a MAC).
  private mac(mac: string): string {
    const sep = mac[2] === ':' || mac[2] === '-' ? mac[2] : '';
    const digits = mac.replace(/[:-]/g, '');
    if (!sep && !(/[a-f]/i.test(digits) && /\d/.test(digits))) return mac;
    if (KEEP_MACS.has(digits.toLowerCase())) return mac;
    const stand = this.macDigits(digits);
    return sep ? (stand.match(/../g) ?? []).join(sep) : stand;
  }

  // fe80::216:3eff:fe54:e911 holds 00:16:3e:54:e9:11: it gets the stand-in MAC's EUI-64 instead.
  private eui64(whole: string, groups: string[]): string {
    const [g1 = '', g2 = '', g3 = '', g4 = ''] = groups;
    const w1 = parseInt(g1, 16);
    const w4 = parseInt(g4, 16);
    const bytes = [(w1 >> 8) ^ 0x02, w1 & 0xff, parseInt(g2, 16), parseInt(g3, 16), w4 >> 8, w4 & 0xff];
    const stand = this.macDigits(bytes.map((b) => hex(b, 2)).join(''));
    const b = (stand.match(/../g) ?? []).map((x) => parseInt(x, 16));
    const out = `${hex(((b[0] ?? 0) ^ 0x02) * 256 + (b[1] ?? 0), 1)}:${hex(b[2] ?? 0, 2)}ff:fe${hex(b[3] ?? 0, 2)}:${hex((b[4] ?? 0) * 256 + (b[5] ?? 0), 1)}`;
    return whole === whole.toUpperCase() ? out.toUpperCase() : out;
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

  // A numbered stand-in for a serial-bearing id or a user name, the same each time it appears.
  private id(value: string, prefix = 'redacted-id'): string {
    const key = `${prefix}\u0000${value}`;
    let stand = this.ids.get(key);
    if (!stand) {
      stand = `${prefix}${this.ids.size + 1}`;
      this.ids.set(key, stand);
    }
    return stand;
  }
}
