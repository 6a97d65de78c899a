import type { Remedy } from '../check.js';
import { shellWord } from './domain-commands.js';

/** Paused domains: unpause them, unless someone paused them on purpose. Printed only, never run by `fix`. */
export function unpauseDomain(names: readonly string[]): Remedy {
  return {
    id: 'unpause-domain',
    title: `Unpause ${names.join(', ')}`,
    commands: names.map((name) => `xl unpause ${shellWord(name)}`),
    files: [],
    reboot: false,
    note: '`xl pause`, `xl create -p`, a save or a migration pause domains on purpose: check with whoever manages them first.',
  };
}
