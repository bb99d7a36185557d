// Last-known-good table on disk: the proxy writes every table it accepts (--snapshot-out) and can boot from such a
// file (--bootstrap) when the operator is unreachable (C3). The file holds provider credentials: it is written
// with mode 0600, atomically (temp file, fsync, rename), and is checked against its hash before use.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { RoutingTable } from '../table/types.ts';
import { SnapshotError, contentJSON } from './protocol.ts';
import { RoutingTableSchema } from './table-schema.ts';

/** Largest snapshot file read. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** Reads and verifies a snapshot file. Throws SnapshotError when it is not a valid table or its hash is wrong. */
export async function readSnapshotFile(path: string): Promise<RoutingTable> {
  const buf = await readFile(path);
  if (buf.length > MAX_FILE_BYTES) throw new SnapshotError('size', `${path} is larger than ${MAX_FILE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new SnapshotError('json', `${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = RoutingTableSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first === undefined ? '' : `${first.path.map(String).join('.') || '(root)'}: ${first.message}`;
    throw new SnapshotError('table', `${path} is not a routing table snapshot (${where})`);
  }
  const table = parsed.data;
  const actual = createHash('sha256').update(contentJSON(table), 'utf8').digest('hex');
  if (actual !== table.hash) throw new SnapshotError('checksum', `${path}: the content does not match its hash ${table.hash.slice(0, 12)}`);
  return table;
}

/** Writes `table` to `path` atomically with mode 0600. */
export async function writeSnapshotFile(path: string, table: RoutingTable): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(table), 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
}

/** Serialises writes and coalesces a burst: only the newest pending table is written next. */
export function createSnapshotWriter(path: string, onError: (err: unknown) => void): { write(table: RoutingTable): void; flush(): Promise<void> } {
  let pending: RoutingTable | null = null;
  let running: Promise<void> | null = null;
  const run = async (): Promise<void> => {
    while (pending !== null) {
      const next = pending;
      pending = null;
      try {
        await writeSnapshotFile(path, next);
      } catch (err) {
        onError(err);
      }
    }
    running = null;
  };
  return {
    write(table: RoutingTable): void {
      pending = table;
      running ??= run();
    },
    async flush(): Promise<void> {
      await running;
    },
  };
}
