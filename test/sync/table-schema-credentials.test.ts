// The strict table schema a proxy checks snapshots against knows every credential kind and the region/project/
// apiVersion fields: compiled tables with each auth method pass unchanged; an unknown credential field or kind fails.
import { describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import { RoutingTableSchema } from '../../pkg/sync/table-schema.ts';
import { loadCase } from '../compiler/load.ts';

const CASES = ['auth-bedrock', 'auth-vertex-ai', 'auth-azure-openai'];

describe('table schema: credentials', () => {
  for (const name of CASES) {
    it(`${name}: the compiled table passes the strict schema unchanged`, () => {
      const { table } = compile(loadCase(name));
      expect(Object.keys(table.providers).length).toBeGreaterThan(1);
      const parsed = RoutingTableSchema.parse(JSON.parse(JSON.stringify(table)));
      expect(parsed).toEqual(table);
    });
  }

  it('kinds seen across the cases: sigv4, aws-web-identity, google (both sources), entra, header', () => {
    const kinds = new Set(CASES.flatMap((n) => Object.values(compile(loadCase(n)).table.providers).map((p) => p.credential?.kind === 'google' ? `google/${p.credential.source}` : p.credential?.kind)));
    expect([...kinds].sort()).toEqual(['aws-web-identity', 'entra', 'google/default', 'google/service-account', 'header', 'sigv4']);
  });

  it('refuses an unknown credential field, an unknown kind, and a default google credential carrying a value', () => {
    const { table } = compile(loadCase('auth-vertex-ai'));
    const base = JSON.parse(JSON.stringify(table)) as { providers: Record<string, { credential: Record<string, unknown> }> };
    const id = Object.keys(base.providers).find((k) => base.providers[k]?.credential.source === 'default') as string;
    const variants = [
      { ...base.providers[id]?.credential, value: 'x' },
      { ...base.providers[id]?.credential, extra: 1 },
      { kind: 'oauth', source: 'service-account', tokenURL: 'https://t', scopes: [], value: 'x' },
    ];
    for (const credential of variants) {
      const bad = { ...base, providers: { ...base.providers, [id]: { ...base.providers[id], credential } } };
      expect(RoutingTableSchema.safeParse(bad).success, JSON.stringify(credential)).toBe(false);
    }
  });
});
