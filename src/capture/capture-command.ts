// PLACEHOLDER until capture lands (issue 5).
import { UsageError } from '../args.js';

export async function captureCommand(_argv: readonly string[]): Promise<number> {
  throw new UsageError('capture is not available in this build');
}
