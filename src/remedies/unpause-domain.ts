import type { Remedy } from '../check.js';
import { shellWord } from './domain-commands.js';
import { printable, refusal } from './quote.js';

/** Paused domains: unpause them, unless someone paused them on purpose. Printed only, never run by `fix`. */
export function unpauseDomain(names: readonly string[]): Remedy {
  // A name a printed command cannot hold (a control character) is left out, with the reason.
  const refused = names.map((name) => refusal(() => shellWord(name))).filter((r) => r !== undefined);
  return {
    id: 'unpause-domain',
    title: `Unpause ${names.map(printable).join(', ')}`,
    commands: names
      .filter((name) => !refusal(() => shellWord(name)))
      .map((name) => `xl unpause ${shellWord(name)}`),
    files: [],
    reboot: false,
    note:
      '`xl pause`, `xl create -p`, a save or a migration pause domains on purpose: check with whoever manages them first.' +
      (refused.length > 0 ? ` Left out: ${refused.join('; ')}.` : ''),
  };
}
