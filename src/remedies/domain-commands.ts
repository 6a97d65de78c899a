// Shared by the domain remedies: a domain name as a shell word.
import { shellQuote } from './quote.js';

/**
 * A domain name quoted for a shell (see quote.ts). Throws UnsafeHostValue for a name with a control
 * character: xl accepts one, but a printed command holding a newline is not what the admin pastes.
 */
export function shellWord(name: string): string {
  return shellQuote(name);
}

/** A domain name as a file name (e.g. its core dump): anything but [A-Za-z0-9_.-] becomes '_'. */
export function fileWord(name: string): string {
  const word = name.replace(/[^\w.-]/g, '_');
  return word === '.' || word === '..' || word === '' ? '_' : word;
}
