// Probes of one operator or proxy process through its admin port: what it says it serves, leads and publishes.
import { getJson } from './http.ts';
import type { ManagedProcess } from './process.ts';

export interface OperatorNode {
  readonly proc: ManagedProcess;
  readonly identity: string;
  readonly syncUrl: string;
  readonly adminUrl: string;
}

export interface ProxyNode {
  readonly proc: ManagedProcess;
  readonly id: string;
  readonly dataUrl: string;
  readonly adminUrl: string;
}

/** What an operator's /debug/operator answers (the fields the suite reads). */
export interface OperatorState {
  readonly identity: string;
  readonly leader: boolean;
  readonly term: number | null;
  readonly synced: boolean;
  readonly published: { readonly version: number; readonly hash: string } | null;
  readonly proxies: readonly { id: string; connected: boolean; version: number; hash: string; lastAckOk: boolean; lastError?: string }[];
}

export interface TableView {
  readonly version: number;
  readonly hash: string;
}

/** The parts of a (redacted) RoutingTable the suite inspects, from a proxy's /debug/table. */
export interface DebugTable extends TableView {
  readonly routes: readonly { id: string; model: string; targets: readonly { provider: string; model: string; weight: number }[] }[];
  readonly models: Readonly<Record<string, string>>;
  readonly providers: Readonly<Record<string, unknown>>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An operator's /debug/operator, or null when it does not answer. */
export async function operatorState(op: OperatorNode): Promise<OperatorState | null> {
  try {
    const r = await getJson(`${op.adminUrl}/debug/operator`, 2_000);
    return r.status === 200 && isRecord(r.body) ? (r.body as unknown as OperatorState) : null;
  } catch {
    return null;
  }
}

/** version+hash a proxy serves (its /readyz), or null when it is not ready. */
export async function proxyTable(p: ProxyNode): Promise<TableView | null> {
  try {
    const r = await getJson(`${p.adminUrl}/readyz`, 2_000);
    if (r.status !== 200 || !isRecord(r.body)) return null;
    return { version: Number(r.body.version), hash: String(r.body.hash) };
  } catch {
    return null;
  }
}

/** A proxy's /debug/table (secrets redacted), or null. */
export async function debugTable(p: ProxyNode): Promise<DebugTable | null> {
  try {
    const r = await getJson(`${p.adminUrl}/debug/table`, 3_000);
    return r.status === 200 && isRecord(r.body) ? (r.body as unknown as DebugTable) : null;
  } catch {
    return null;
  }
}
