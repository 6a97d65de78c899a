import type { Remedy } from '../check.js';
import { shellWord } from './domain-commands.js';

/**
 * Crashed domains kept by on_crash="preserve": save a core for the post-mortem, destroy, create again.
 * Printed only, never run by `fix`: destroying a domain is for a person to decide.
 */
export function recoverCrashedDomain(names: readonly string[]): Remedy {
  const commands = names.flatMap((name) => {
    const word = shellWord(name);
    return [
      `xl dump-core ${word} /var/lib/xen/dump/${name.replace(/[^\w.-]/g, '_')}.core   # optional: for the post-mortem`,
      `xl destroy ${word}`,
      `xl create /etc/xen/${name.replace(/[^\w.-]/g, '_')}.cfg   # the domain's config file`,
    ];
  });
  return {
    id: 'recover-crashed-domain',
    title: `Collect and restart crashed domain${names.length > 1 ? 's' : ''} ${names.join(', ')}`,
    commands,
    files: [],
    reboot: false,
    note: 'The guest\u2019s own console log (xl console, or /var/log/xen/) usually says why it crashed; on_crash="restart" in its config restarts it automatically next time.',
  };
}
