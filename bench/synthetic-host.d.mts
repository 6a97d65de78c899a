// Types of bench/synthetic-host.mjs for the tests that build a synthetic host (test/cycle-commands.test.ts).
export function makeSyntheticHost(
  dir: string,
  size: { domains: number; ports: number },
): { commandCount: number };
