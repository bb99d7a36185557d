// --oidc-config: the document's validation (pure) and the CLI's usage errors for serve and proxy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cmd/main.ts';
import { IdentityConfigError, discoveryUrl, parseIdentityConfig } from '../../pkg/identity/config.ts';
import { looksLikeJwt } from '../../pkg/identity/verifier.ts';

const ISS = 'https://login.example.com/tenant';

describe('parseIdentityConfig', () => {
  it('fills the documented defaults (YAML)', () => {
    const c = parseIdentityConfig(`issuers:\n  - issuer: ${ISS}\n    audiences: [switchyard]\n`);
    expect(c.issuers).toHaveLength(1);
    const i = c.issuers[0];
    expect(i).toMatchObject({
      issuer: ISS, audiences: ['switchyard'], jwksUri: null, clockSkewSeconds: 60, refreshIntervalSeconds: 600,
      unknownKidCooldownSeconds: 30, claims: { user: 'sub', team: null, groups: 'groups' },
    });
    expect(i?.algorithms).toContain('RS256');
    expect(i?.algorithms).toContain('ES256');
    expect(i?.algorithms).toContain('EdDSA');
    expect((i?.algorithms as readonly string[]).some((a) => a.startsWith('HS') || a === 'none')).toBe(false);
    expect(Object.isFrozen(i)).toBe(true);
  });

  it('reads JSON with every field set', () => {
    const c = parseIdentityConfig(JSON.stringify({ issuers: [{
      issuer: 'http://127.0.0.1:9999', audiences: ['a', 'b'], jwksUri: 'http://localhost:9999/keys', algorithms: ['ES256'],
      clockSkewSeconds: 5, refreshIntervalSeconds: 60, unknownKidCooldownSeconds: 1, claims: { user: 'email', team: 'org', groups: 'roles' },
    }] }));
    expect(c.issuers[0]).toMatchObject({ jwksUri: 'http://localhost:9999/keys', algorithms: ['ES256'], claims: { user: 'email', team: 'org', groups: 'roles' } });
  });

  it.each([
    ['no issuers', 'issuers: []', /issuers/],
    ['none algorithm', `issuers: [{ issuer: ${ISS}, audiences: [x], algorithms: [none] }]`, /never none or HS/],
    ['HS256', `issuers: [{ issuer: ${ISS}, audiences: [x], algorithms: [HS256] }]`, /never none or HS/],
    ['no audience', `issuers: [{ issuer: ${ISS}, audiences: [] }]`, /audiences/],
    ['plain http to a remote host', 'issuers: [{ issuer: "http://idp.example.com", audiences: [x] }]', /https/],
    ['credentials in the URL', 'issuers: [{ issuer: "https://u:p@idp.example.com", audiences: [x] }]', /credentials/],
    ['unknown field', `issuers: [{ issuer: ${ISS}, audiences: [x], audience: y }]`, /audience/],
    ['skew out of range', `issuers: [{ issuer: ${ISS}, audiences: [x], clockSkewSeconds: 3600 }]`, /clockSkewSeconds/],
    ['duplicate issuer', `issuers: [{ issuer: ${ISS}, audiences: [x] }, { issuer: ${ISS}, audiences: [y] }]`, /listed twice/],
    ['not YAML', 'issuers: [oops', /not valid YAML/],
  ])('refuses %s', (_name, text, re) => {
    expect(() => parseIdentityConfig(text)).toThrow(IdentityConfigError);
    expect(() => parseIdentityConfig(text)).toThrow(re);
  });

  it('discovery URL and JWT shape', () => {
    expect(discoveryUrl(`${ISS}/`)).toBe(`${ISS}/.well-known/openid-configuration`);
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln')).toBe(true);
    expect(looksLikeJwt('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.')).toBe(true);
    expect(looksLikeJwt('sk-live-abc123')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
    expect(looksLikeJwt(`${'a'.repeat(20_000)}.b.c`)).toBe(false);
  });
});

describe('--oidc-config on the command line', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swy-oidc-cli-'));
    await writeFile(join(dir, 'bad.yaml'), `issuers: [{ issuer: ${ISS}, audiences: [x], algorithms: [HS256] }]`);
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  async function call(args: string[], env: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env }, '9.9.9');
    return { code, stdout, stderr };
  }

  it('a missing or invalid file is a usage error (exit 2) naming the flag, for serve and proxy, by flag or env', async () => {
    const bad = join(dir, 'bad.yaml');
    for (const [args, env, re] of [
      [['serve', '--config', 'examples/quickstart', '--oidc-config', join(dir, 'missing.yaml')], {}, /--oidc-config .*missing\.yaml cannot be read \(ENOENT\)/],
      [['serve', '--config', 'examples/quickstart'], { SWITCHYARD_OIDC_CONFIG: bad }, /--oidc-config .*bad\.yaml: issuers\.0\.algorithms\.0: algorithms may only hold/],
      [['proxy', '--sync', 'http://127.0.0.1:1', '--oidc-config', bad], { SWITCHYARD_SYNC_TOKEN: 't' }, /--oidc-config .*bad\.yaml: .*never none or HS/],
    ] as const) {
      const r = await call([...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).toContain(`Usage: switchyard ${args[0]}`);
    }
  });

  it('both commands document the flag', async () => {
    expect((await call(['serve', '--help'])).stdout).toContain('--oidc-config FILE');
    expect((await call(['proxy', '--help'])).stdout).toContain('--oidc-config FILE');
  });
});
