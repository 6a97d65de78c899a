// Shared by the domain remedies: a domain name as a shell word.

/** A domain name quoted for a shell when it holds anything but [A-Za-z0-9._-]. */
export function shellWord(name: string): string {
  return /^[\w.-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}
