// Background credential sources across table swaps: a reload that keeps a provider (and its credential) keeps its
// source running, a provider removed or re-keyed has its source stopped, a refused table stops only what it started.
// The adapter factory is the real registry's, plus the one call a token-using adapter makes: deps.sources.get().
import { afterAll, describe, expect, it } from 'vitest';
import { credentialKey, refreshingSource } from '../../pkg/providers/http/credential-sources.ts';
import type { RefreshingSource } from '../../pkg/providers/http/credential-sources.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import type { AdapterFactory } from '../../pkg/providers/types.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { compileTable, provider, route } from './harness.ts';

const pools = createUpstreamPools();
afterAll(async () => {
  await pools.destroy();
});

interface Made {
  readonly key: string;
  readonly source: RefreshingSource<string>;
  fetches: number;
}

function world() {
  const made: Made[] = [];
  const factory: AdapterFactory = (p, deps) => {
    deps.sources.get(credentialKey(p), () => {
      const m: { key: string; fetches: number; source?: RefreshingSource<string> } = { key: credentialKey(p), fetches: 0 };
      m.source = refreshingSource(() => {
        m.fetches++;
        return Promise.resolve({ value: `token for ${p.id}`, expiresAt: Date.now() + 3_600_000 });
      }, { what: `test token for ${p.id}` });
      made.push(m as Made);
      return m.source;
    });
    return createAdapter(p, deps);
  };
  const holder = new TableHolder({ adapterFactory: factory, adapterDeps: pools, logger: createLogger({ level: 'silent' }) });
  return { made, holder };
}

const table = (providers: readonly string[], version: number, key = 'sk-one'): RoutingTable => compileTable([
  ...providers.flatMap((name) => provider(name, `http://127.0.0.1:9/${name}`, { key: name === 'a' ? key : 'sk-other' })),
  route('r', { model: 'r', targets: providers.map((name) => ({ provider: name, model: 'm', weight: 1 })) }),
], version);

describe('TableHolder and credential sources', () => {
  it('a reload that keeps the provider keeps its source; removing the provider stops it', async () => {
    const { made, holder } = world();
    holder.load(table(['a', 'b'], 1));
    expect(made.map((m) => m.key.split('|')[0])).toEqual(['default/a', 'default/b']);
    const [a, b] = made as [Made, Made];
    await Promise.all([a.source.ready, b.source.ready]);
    expect(a.source.current()).toBe('token for default/a');

    holder.load(table(['a', 'b'], 2));
    expect(made).toHaveLength(2);
    expect(pools.sources.has(a.key) && pools.sources.has(b.key)).toBe(true);
    expect(a.fetches).toBe(1);
    expect(a.source.current()).toBe('token for default/a');

    holder.load(table(['a'], 3));
    expect(made).toHaveLength(2);
    expect(b.source.current()).toBeNull();
    expect(pools.sources.has(b.key)).toBe(false);
    expect(a.source.current()).toBe('token for default/a');
  });

  it('a changed credential gets a new source and the old one is stopped', async () => {
    const { made, holder } = world();
    holder.load(table(['a'], 1, 'sk-first'));
    const first = made[0] as Made;
    await first.source.ready;
    holder.load(table(['a'], 2, 'sk-second'));
    expect(made).toHaveLength(2);
    const second = made[1] as Made;
    expect(second.key).not.toBe(first.key);
    expect(first.source.current()).toBeNull();
    await second.source.ready;
    expect(second.source.current()).toBe('token for default/a');
  });

  it('a table that cannot be built stops the sources it started and keeps those of the table in use', async () => {
    const { made, holder } = world();
    holder.load(table(['a'], 1));
    const a = made[0] as Made;
    await a.source.ready;
    const broken: RoutingTable = { ...table(['a', 'c'], 2), models: { ghost: 'default/nope' } };
    expect(() => holder.load(broken)).toThrow();
    const c = made.find((m) => m.key.startsWith('default/c|'));
    expect(c).toBeDefined();
    expect(c?.source.current()).toBeNull();
    expect(pools.sources.has(c?.key ?? '')).toBe(false);
    expect(a.source.current()).toBe('token for default/a');
    expect(pools.sources.has(a.key)).toBe(true);
  });

  it('closing the pools stops every source', async () => {
    const local = createUpstreamPools();
    const { made } = world();
    const holder = new TableHolder({
      adapterFactory: (p, deps) => {
        deps.sources.get(credentialKey(p), () => refreshingSource(() => Promise.resolve({ value: 'v', expiresAt: Infinity })));
        made.push({ key: credentialKey(p), source: deps.sources.get(credentialKey(p), () => { throw new Error('created twice'); }), fetches: 0 });
        return createAdapter(p, deps);
      },
      adapterDeps: local,
      logger: createLogger({ level: 'silent' }),
    });
    holder.load(table(['a'], 1));
    await (made[0] as Made).source.ready;
    expect((made[0] as Made).source.current()).toBe('v');
    await local.close();
    expect(local.sources.size).toBe(0);
    expect((made[0] as Made).source.current()).toBeNull();
  });
});
