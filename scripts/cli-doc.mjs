// Prints the flag reference of docs/cli.md from the flag definitions (build/commands.js): run after a build,
// paste between the markers; test/cli-doc.test.ts fails when docs/cli.md and the definitions disagree.
import { COMMANDS } from '../build/commands.js';
import { renderFlags } from '../build/help.js';

export function flagReference(width = 100) {
  const out = [];
  for (const command of COMMANDS) {
    if (Object.keys(command.flags).length === 0) continue;
    out.push(`### xendoctor ${command.name}`, '', '```', ...renderFlags(command.flags, width), '```', '');
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(flagReference());
