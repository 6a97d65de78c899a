// What golden.test.ts does with one golden file. A missing golden is written (and the test passes) only on a
// developer's machine; in CI it fails, or a fixture host whose golden was never committed would pass unseen.

export type GoldenAction = 'compare' | 'write' | 'fail-missing';

/** UPDATE_GOLDEN=1 rewrites; a missing golden is written outside CI and fails when CI is set. */
export function goldenAction(exists: boolean, env: NodeJS.ProcessEnv): GoldenAction {
  if (env.UPDATE_GOLDEN === '1') return 'write';
  if (exists) return 'compare';
  return env.CI ? 'fail-missing' : 'write';
}
