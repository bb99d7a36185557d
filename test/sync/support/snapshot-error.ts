// What a decode throws, as a comparable string: the SnapshotError code, 'other: …' for anything else, 'none'.
import { SnapshotError } from '../../../pkg/sync/protocol.ts';

export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof SnapshotError ? err.code : `other: ${String(err)}`;
  }
  return 'none';
}
