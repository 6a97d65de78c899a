// Names that come from the host (interfaces, domains, services) and land in a shell line, a udev rule, a
// config file or a printed command: validated against what the kernel or tool allows, then quoted for that
// language. What cannot be made safe is refused with an UnsafeHostValue, never written.

/** A host value that cannot be written safely where it was meant to go. */
export class UnsafeHostValue extends Error {
  constructor(
    readonly value: string,
    reason: string,
  ) {
    super(`refused ${JSON.stringify(value)}: ${reason}`);
    this.name = 'UnsafeHostValue';
  }
}

// Words a POSIX shell reads literally without quotes (no globbing, expansion, splitting or operators).
const SHELL_SAFE = /^[A-Za-z0-9_.,:/@%+=-]+$/;
// Control characters (newline, escape, NUL...): quoting keeps them from the shell, but a printed command
// with a newline or a terminal escape sequence in it is not what the admin sees or pastes.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** One word for a POSIX shell: unchanged when plain, else in single quotes (a ' is written '\''). */
export function shellQuote(word: string): string {
  if (CONTROL.test(word)) throw new UnsafeHostValue(word, 'it contains a control character');
  if (SHELL_SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** argv as one shell line a person can paste: every word quoted where needed. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * Checks a network interface name against the kernel's own rule (dev_valid_name): 1-15 bytes, not "." or
 * "..", no '/', ':', whitespace or NUL. Anything else did not come from the kernel. Returns the name.
 */
export function interfaceName(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes < 1 || bytes > 15) {
    throw new UnsafeHostValue(name, `an interface name is 1-15 bytes, this is ${bytes}`);
  }
  if (name === '.' || name === '..') throw new UnsafeHostValue(name, 'not a valid interface name');
  // eslint-disable-next-line no-control-regex
  if (/[/:\s\u0000]/.test(name)) {
    throw new UnsafeHostValue(name, "an interface name has no '/', ':', whitespace or NUL");
  }
  if (CONTROL.test(name)) throw new UnsafeHostValue(name, 'it contains a control character');
  return name;
}

/**
 * A literal value for a udev rule's match key (KERNEL=="..."). udev has no escape for '"' inside a value,
 * and its match values are globs (* ? [ ] and | for alternatives), so a name holding any of these (or a
 * backslash) cannot be matched literally: refused.
 */
export function udevMatchValue(value: string): string {
  if (CONTROL.test(value)) throw new UnsafeHostValue(value, 'it contains a control character');
  const bad = /["\\*?[\]|]/.exec(value);
  if (bad) {
    throw new UnsafeHostValue(value, `a udev rule cannot hold ${JSON.stringify(bad[0])} in a literal match`);
  }
  return value;
}

/**
 * An interface name as a path component of a sysctl key in a sysctl.d file ("net.ipv4.conf.<name>.x"):
 * only letters, digits and _ . @ + -, not starting with '-' (sysctl.d reads a leading '-' as "ignore
 * errors", '=' ends the key, '#' and ';' start comments, '*' is a glob).
 */
export function sysctlKeyPart(name: string): string {
  if (!/^[A-Za-z0-9_.@+][A-Za-z0-9_.@+-]*$/.test(name)) {
    throw new UnsafeHostValue(name, 'a sysctl.d key can hold only letters, digits and _ . @ + -');
  }
  return name;
}

/**
 * One option for Xen's (or a kernel's) boot command line, as a loader's file holds it (GRUB's
 * GRUB_CMDLINE_XEN_DEFAULT, extlinux's xen_opts, xen.cfg's options=): `name=value`, or `name` for an empty
 * value. Only characters no loader, shell or INI reader treats specially: letters, digits and _ . , : + / @ % = -.
 */
export function bootOption(name: string, value: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new UnsafeHostValue(name, 'a boot option name is letters, digits and _ . -');
  }
  if (!/^[A-Za-z0-9_.,:+/@%=-]*$/.test(value)) {
    throw new UnsafeHostValue(value, 'a boot option value is letters, digits and _ . , : + / @ % = -');
  }
  return value === '' ? name : `${name}=${value}`;
}

/** Runs `check` on a value; on refusal returns the reason instead of throwing (for remedies that go on). */
export function refusal(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof UnsafeHostValue) return error.message;
    throw error;
  }
}

/** A host value for a title or a note: as is, or as a JSON string when it holds control characters. */
export function printable(value: string): string {
  return CONTROL.test(value) ? JSON.stringify(value) : value;
}
