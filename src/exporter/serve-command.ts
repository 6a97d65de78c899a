// PLACEHOLDER until the daemon lands (issue 3).
import { UsageError } from '../args.js';

export async function serveCommand(_argv: readonly string[]): Promise<number> {
  throw new UsageError('serve is not available in this build');
}
