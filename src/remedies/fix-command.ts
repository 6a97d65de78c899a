// PLACEHOLDER until fix lands (issue 4).
import { UsageError } from '../args.js';

export async function fixCommand(_argv: readonly string[]): Promise<number> {
  throw new UsageError('fix is not available in this build');
}
