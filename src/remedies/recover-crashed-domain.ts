import type { Remedy } from '../check.js';
import { fileWord, shellWord } from './domain-commands.js';
import { printable, refusal } from './quote.js';

/**
 * Crashed domains kept by on_crash="preserve": save a core for the post-mortem, destroy, create again.
 * Printed only, never run by `fix`: destroying a domain is for a person to decide.
 */
export function recoverCrashedDomain(names: readonly string[]): Remedy {
  // A name a printed command cannot hold (a control character) is left out, with the reason.
  const refused = names.map((name) => refusal(() => shellWord(name))).filter((r) => r !== undefined);
  const commands = names
    .filter((name) => !refusal(() => shellWord(name)))
    .flatMap((name) => {
      const word = shellWord(name);
      return [
        `xl dump-core ${word} /var/lib/xen/dump/${fileWord(name)}.core   # optional: for the post-mortem`,
        `xl destroy ${word}`,
        `xl create /etc/xen/${fileWord(name)}.cfg   # the domain's config file`,
      ];
    });
  return {
    id: 'recover-crashed-domain',
    title: `Collect and restart crashed domain${names.length > 1 ? 's' : ''} ${names.map(printable).join(', ')}`,
    commands,
    files: [],
    reboot: false,
    note:
      'The guest\u2019s own console log (xl console, or /var/log/xen/) usually says why it crashed; on_crash="restart" in its config restarts it automatically next time.' +
      (refused.length > 0 ? ` Left out: ${refused.join('; ')}.` : ''),
  };
}
