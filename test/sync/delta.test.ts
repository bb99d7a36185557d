// Table deltas (ADR 0024): per-object content JSON equals the canonical JSON (so the hash keeps its meaning), deltas
// computed and applied give the new table with unchanged objects kept, every way a delta can fail is a typed error,
// and the operator sends a delta only to a proxy that asked and whose version is in its ring, a snapshot otherwise.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJSON, sha256Hex } from '../../pkg/compiler/hash.ts';
import { contentHashOf, contentJSONOf } from '../../pkg/compiler/content-json.ts';
import { compile } from '../../pkg/compiler/index.ts';
import { applyDelta, computeDelta, deltaShapeProblem } from '../../pkg/sync/delta.ts';
import { StreamMessage, decodeDelta, decodeSnapshot, encodeDelta, encodeSnapshot } from '../../pkg/sync/protocol.ts';
import { codeOf } from './support/snapshot-error.ts';
import type { DeltaMessage } from '../../pkg/sync/protocol.ts';
import type { RoutingTable, RoutingTableContent } from '../../pkg/table/types.ts';
import { caseNames, loadCase, loadOptions } from '../compiler/load.ts';
import { TOKEN, startSyncServer } from './support/harness.ts';
import type { SyncServerHarness } from './support/harness.ts';
import { largeTable } from './support/tables.ts';


/** `t` with route `index` pointed at another upstream model, re-hashed. */
function withChangedRoute(t: RoutingTable, index: number, version: number): RoutingTable {
  const routes = t.routes.map((r, i) => (i !== index ? r : { ...r, targets: r.targets.map((x) => ({ ...x, model: `${x.model}-v${version}` })) }));
  const content = { providers: t.providers, routes, models: t.models, keys: t.keys, quotas: t.quotas };
  return { version, hash: sha256Hex(canonicalJSON(content)), ...content };
}

/** A delta message from `base` to `next` that went through JSON, as a proxy receives it. */
function wire(base: RoutingTable, next: RoutingTable): DeltaMessage {
  return JSON.parse(JSON.stringify(encodeDelta(base, next, computeDelta(base, next)))) as DeltaMessage;
}

describe('content JSON per object', () => {
  it('is byte-identical to canonicalJSON of the content for every golden case and a large table', () => {
    const tables = caseNames().map((n) => compile(loadCase(n), loadOptions(n)).table);
    tables.push(largeTable(300, 7));
    for (const t of tables) {
      const { providers, routes, models, keys, quotas } = t;
      expect(contentJSONOf(t)).toBe(canonicalJSON({ providers, routes, models, keys, quotas }));
      expect(sha256Hex(contentJSONOf(t))).toBe(t.hash);
      // The hash fed in pieces (groups of routes, no assembled text) is the sha256 of that text, for fresh lists too.
      const fresh = { providers: { ...providers }, routes: [...routes], models: { ...models }, keys: { ...keys }, quotas: [...quotas] };
      expect(contentHashOf(fresh)).toBe(sha256Hex(canonicalJSON(fresh)));
    }
  });
});

describe('content hash resumed from a base', () => {
  it('property: after changing, adding or removing routes anywhere (and any other field), it is the sha256 of the canonical JSON', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.array(fc.tuple(fc.nat(400), fc.constantFrom('change', 'same-list', 'drop', 'models')), { maxLength: 6 }), (n, edits) => {
      const { providers, routes, models, keys, quotas } = largeTable(Math.max(n, 1), 3, 1);
      let t: RoutingTableContent = { providers, routes, models, keys, quotas };
      contentHashOf(t);
      for (const [at, kind] of edits) {
        const i = at % Math.max(1, t.routes.length);
        let next: RoutingTableContent;
        if (kind === 'change' && t.routes.length > 0) {
          next = { ...t, routes: t.routes.map((r, k) => (k === i ? { ...r, model: `${r.model}-x${at}` } : r)) };
        } else if (kind === 'drop' && t.routes.length > 0) {
          next = { ...t, routes: t.routes.filter((_, k) => k !== i) };
        } else if (kind === 'models') {
          next = { ...t, models: { ...t.models } };
        } else {
          next = { ...t, routes: [...t.routes] };
        }
        expect(contentHashOf(next, t)).toBe(sha256Hex(canonicalJSON(next)));
        t = next;
      }
    }), { numRuns: 60 });
  });
});

describe('delta codec', () => {
  const base = largeTable(200, 5, 7);

  it('one changed route: the delta carries that route only; applied, it gives the new table with every other object kept', () => {
    const next = withChangedRoute(base, 42, 8);
    const d = computeDelta(base, next);
    expect(d.routes.set.map((r) => r.id)).toEqual([next.routes[42]?.id]);
    expect([d.routes.remove, d.providers.remove, d.keys.remove, d.quotas.remove, d.models.remove].flat()).toEqual([]);
    expect(Object.keys(d.providers.set)).toEqual([]);
    const msg = wire(base, next);
    expect(StreamMessage.parse(msg)).toEqual(msg);
    expect(msg).toMatchObject({ type: 'delta', version: 8, base: 7, baseHash: base.hash, hash: next.hash });
    expect(msg.data.length).toBeLessThan(encodeSnapshot(next).data.length / 10);
    const applied = decodeDelta(msg, base);
    expect(applied).toEqual(next);
    expect(applied.routes[41]).toBe(base.routes[41]);
    expect(applied.routes[42]).not.toBe(base.routes[42]);
    expect(applied.providers).toEqual(base.providers);
    for (const id of Object.keys(base.providers)) expect(applied.providers[id]).toBe(base.providers[id]);
  });

  it('routes and providers added and removed, models re-pointed: applying gives exactly the new content', () => {
    const small = largeTable(20, 3, 1);
    const other = largeTable(26, 4, 2);
    const dropped = { ...other, routes: other.routes.filter((_, i) => i % 5 !== 0) };
    const models = Object.fromEntries(Object.entries(dropped.models).filter(([, id]) => dropped.routes.some((r) => r.id === id)));
    const content = { providers: dropped.providers, routes: dropped.routes, models, keys: dropped.keys, quotas: dropped.quotas };
    const next: RoutingTable = { version: 2, hash: sha256Hex(canonicalJSON(content)), ...content };
    const applied = applyDelta(small, computeDelta(small, next));
    expect(canonicalJSON(applied)).toBe(canonicalJSON(content));
    expect(decodeDelta(wire(small, next), small).hash).toBe(next.hash);
  });

  it('a proxy that does not serve the base refuses the delta (code base), whatever else is right', () => {
    const next = withChangedRoute(base, 1, 8);
    const msg = wire(base, next);
    expect(codeOf(() => decodeDelta(msg, null))).toBe('base');
    expect(codeOf(() => decodeDelta(msg, { ...base, version: 6 }))).toBe('base');
    expect(codeOf(() => decodeDelta(msg, { ...base, hash: 'a'.repeat(64) }))).toBe('base');
  });

  it('hash mismatch after applying: code checksum (the proxy NACKs and resyncs)', () => {
    const next = withChangedRoute(base, 3, 8);
    const lying = { ...wire(base, next), hash: 'b'.repeat(64) };
    expect(codeOf(() => decodeDelta(lying, base))).toBe('checksum');
    // A delta computed against another table applies cleanly but gives other content.
    const elsewhere = withChangedRoute(base, 9, 8);
    const mixed = { ...wire(base, elsewhere), hash: next.hash };
    expect(codeOf(() => decodeDelta(mixed, base))).toBe('checksum');
  });

  it('garbled, oversized or unknown-field deltas are refused with a code', () => {
    const next = withChangedRoute(base, 3, 8);
    const msg = wire(base, next);
    expect(codeOf(() => decodeDelta({ ...msg, data: msg.data.slice(0, msg.data.length / 2) }, base))).toBe('encoding');
    expect(codeOf(() => decodeDelta({ ...msg, bytes: msg.bytes - 1 }, base))).toBe('size');
    expect(codeOf(() => decodeDelta({ ...msg, version: 7 }, base))).toBe('message');
    expect(codeOf(() => decodeDelta({ ...msg, type: 'snapshot' }, base))).toBe('message');
    expect(deltaShapeProblem({ ...computeDelta(base, next), extra: {} })).toMatch(/unknown field "extra"/);
    const d = computeDelta(base, next);
    expect(deltaShapeProblem({ ...d, routes: { set: [{ ...d.routes.set[0], surprise: 1 }], remove: [] } })).toMatch(/unknown field "surprise"/);
    expect(deltaShapeProblem({ ...d, models: { set: { m: 3 }, remove: [] } })).toMatch(/expected a string/);
  });
});

describe('sync server: delta or snapshot', () => {
  let h: SyncServerHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Opens a stream and returns its first `n` messages. */
  async function firstMessages(query: string, n: number, during?: () => void): Promise<Record<string, unknown>[]> {
    const ctl = new AbortController();
    const res = await fetch(`${h?.url}/sync/v1/snapshots?${query}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: ctl.signal });
    expect(res.status).toBe(200);
    const out: Record<string, unknown>[] = [];
    let buf = '';
    const decoder = new TextDecoder();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let poked = false;
    while (out.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl = buf.indexOf('\n');
      while (nl !== -1) {
        out.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
      }
      if (!poked && during !== undefined) {
        poked = true;
        during();
      }
    }
    ctl.abort();
    return out;
  }

  const t1 = largeTable(50, 3, 1);
  const versions = [t1];
  for (let v = 2; v <= 7; v++) versions.push(withChangedRoute(versions.at(-1) as RoutingTable, v, v));

  it('a proxy on the previous version that asked for deltas gets a delta; one that did not ask gets the snapshot', async () => {
    h = await startSyncServer();
    const server = h.server;
    server.publish(versions[0] as RoutingTable);
    const withDeltas = await firstMessages(`proxy=a&have=1&hash=${t1.hash}&deltas=1`, 2, () => server.publish(versions[1] as RoutingTable));
    expect(withDeltas.map((m) => m.type)).toEqual(['heartbeat', 'delta']);
    expect(decodeDelta(withDeltas[1], t1)).toEqual(versions[1]);
    const old = await firstMessages(`proxy=b&have=1&hash=${t1.hash}`, 1);
    expect(old[0]?.type).toBe('snapshot');
    expect(decodeSnapshot(old[0])).toEqual(versions[1]);
  });

  it('a proxy within the ring connects and gets a delta; too far behind, or without its hash, it gets the snapshot', async () => {
    h = await startSyncServer({ deltaRing: 4 });
    for (const t of versions) h.server.publish(t);
    const v4 = versions[3] as RoutingTable;
    const near = await firstMessages(`proxy=c&have=4&hash=${v4.hash}&deltas=1`, 1);
    expect(near[0]).toMatchObject({ type: 'delta', base: 4, version: 7 });
    expect(decodeDelta(near[0], v4)).toEqual(versions[6]);
    const v2 = versions[1] as RoutingTable;
    const far = await firstMessages(`proxy=d&have=2&hash=${v2.hash}&deltas=1`, 1);
    expect(far[0]).toMatchObject({ type: 'snapshot', version: 7 });
    const noHash = await firstMessages('proxy=e&have=4&deltas=1', 1);
    expect(noHash[0]?.type).toBe('snapshot');
    const wrongHash = await firstMessages(`proxy=f&have=4&hash=${'c'.repeat(64)}&deltas=1`, 1);
    expect(wrongHash[0]?.type).toBe('snapshot');
  });

  it('publish still refuses a table whose hash does not match its content', async () => {
    h = await startSyncServer();
    expect(() => h?.server.publish({ ...t1, hash: 'f'.repeat(64) })).toThrow(/hash does not match/);
  });
});
