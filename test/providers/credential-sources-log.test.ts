// Background credential fetches that fail are logged at warn (design §7), through the process's own wiring: the data
// plane of `serve`/`proxy` (createDataPlaneParts) gives CredentialSources the proxy's logger, and the vertex-ai,
// azure-openai (Entra ID) and bedrock (web identity) adapters hand it to the sources they create. For each, a table
// whose credential cannot be turned into a token gives exactly one WARN line after the first attempt, naming the
// provider, with a reason and no secret (not even an 8-character window of one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialKey } from '../../pkg/providers/http/credential-sources.ts';
import { createDataPlaneParts } from '../../pkg/serve/dataplane.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { makeServiceAccount, startFakeGoogleTokenServer } from '../support/fake-google-token-server.ts';
import type { FakeGoogleTokenServer } from '../support/fake-google-token-server.ts';
import { startFakeEntra, trustFakeEntra } from '../support/fake-entra-server.ts';
import type { FakeEntra } from '../support/fake-entra-server.ts';
import { NS, compileTable, route, secret } from '../proxy/harness.ts';

const TENANT = 'contoso.onmicrosoft.com';
const CLIENT_ID = '6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b';
/** The client secret the Provider holds; the fake Entra accepts another one, so every fetch is refused. */
const ENTRA_CANARY = 'entra-warn-canary-Qp7~Wx2Kd9Lm4Nz';

let google: FakeGoogleTokenServer;
let entra: FakeEntra;
let untrust: () => void;
let dir: string;

beforeAll(async () => {
  google = await startFakeGoogleTokenServer();
  entra = await startFakeEntra({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: 'the-right-secret-0000' });
  untrust = trustFakeEntra(entra);
  dir = mkdtempSync(join(tmpdir(), 'swy-warn-'));
});
afterAll(async () => {
  untrust();
  await entra.close();
  await google.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Cell {
  readonly type: string;
  /** The Provider (named `p`) and its Secrets. */
  manifests(): unknown[];
  /** Secret values that must not appear in the log. */
  secrets(): string[];
}

const provider = (spec: Record<string, unknown>): unknown => ({ apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'p', namespace: NS }, spec });

/** A service-account key the token endpoint does not know: its JWT grant is refused. */
let stranger: ReturnType<typeof makeServiceAccount> | undefined;

const CELLS: readonly Cell[] = [
  {
    type: 'vertex-ai',
    manifests() {
      stranger ??= makeServiceAccount(google.tokenUri, { project: 'switchyard-test', name: 'stranger' });
      return [secret('sa', { 'key.json': stranger.json }), provider({ type: 'vertex-ai', baseURL: 'https://127.0.0.1:9/', region: 'us-east5', project: 'switchyard-test', auth: { googleServiceAccount: { name: 'sa', key: 'key.json' } } })];
    },
    secrets() {
      const key = JSON.parse(stranger?.json ?? '{}') as { private_key: string; private_key_id: string };
      return [key.private_key_id, ...key.private_key.split('\n').filter((l) => l !== '' && !l.startsWith('-----'))];
    },
  },
  {
    type: 'azure-openai',
    manifests: () => [
      secret('entra', { clientSecret: ENTRA_CANARY }),
      provider({ type: 'azure-openai', baseURL: 'https://127.0.0.1:9', auth: { entra: { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: { name: 'entra', key: 'clientSecret' }, authorityHost: entra.authorityHost } } }),
    ],
    secrets: () => [ENTRA_CANARY],
  },
  {
    type: 'bedrock',
    manifests: () => [provider({ type: 'bedrock', region: 'us-east-1', baseURL: 'https://127.0.0.1:9', auth: { awsWebIdentity: { roleArn: 'arn:aws:iam::123456789012:role/gateway', tokenFile: join(dir, 'missing-token') } } })],
    secrets: () => [],
  },
];

describe.each(CELLS)('a failing background fetch of $type credentials', (cell) => {
  it('logs one WARN naming the provider, with a reason and no secret', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } });
    const parts = createDataPlaneParts(logger, 'open');
    try {
      const table = compileTable([...cell.manifests(), route('r', { model: 'm', targets: [{ provider: 'p', model: 'some-model' }] })]);
      parts.holder.load(table);
      const p = table.providers[`${NS}/p`];
      if (p === undefined) throw new Error('provider not compiled');
      const source = parts.pools.sources.get(credentialKey(p), () => {
        throw new Error('the adapter created no credential source');
      });
      await source.ready;
      expect(source.current()).toBeNull();
      const warns = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn' || l.level === 40);
      const refresh = warns.filter((l) => l.msg === 'credential refresh failed');
      expect(refresh).toHaveLength(1);
      const line = refresh[0]!;
      expect(String(line.what)).toContain(`${cell.type} `);
      expect(String(line.what)).toContain(`${NS}/p`);
      expect(typeof line.reason).toBe('string');
      expect(String(line.reason).length).toBeGreaterThan(0);
      const text = lines.join('\n');
      for (const s of cell.secrets()) for (let i = 0; i + 8 <= s.length; i++) expect(text).not.toContain(s.slice(i, i + 8));
    } finally {
      await parts.pools.destroy();
    }
  });
});
