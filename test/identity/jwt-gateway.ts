// The real standalone gateway (data + admin ports on loopback) over a temp config directory, with OIDC issuers,
// a fake provider, an API key and routes with access rules — for the JWT tests.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseIdentityConfig } from '../../pkg/identity/config.ts';
import { startStandalone } from '../../pkg/serve/standalone.ts';
import type { StandaloneGateway } from '../../pkg/serve/standalone.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import type { AuthMode } from '../../pkg/telemetry/types.ts';

export const API_KEY = 'sk-jwt-suite-api-key-0001';

const MANIFESTS = [
  { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'fake' }, spec: { type: 'fake', fake: { latency: '1ms' } } },
  { apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name: 'open-model' }, spec: { model: 'open-model', targets: [{ provider: 'fake' }] } },
  {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name: 'blue-model' },
    spec: { model: 'blue-model', targets: [{ provider: 'fake' }], access: { allow: [{ teams: ['blue'] }] } },
  },
  {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name: 'carol-model' },
    spec: { model: 'carol-model', targets: [{ provider: 'fake' }], access: { allow: [{ users: ['carol'] }] } },
  },
  {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name: 'eng-model' },
    spec: { model: 'eng-model', targets: [{ provider: 'fake' }], access: { allow: [{ groups: ['eng'] }] } },
  },
  {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ops-key', labels: { 'switchyard.dev/api-key': 'true' } },
    stringData: { key: API_KEY, team: 'blue', user: 'ops' },
  },
];

export interface JwtGateway {
  readonly gw: StandaloneGateway;
  readonly lines: string[];
  accessLines(): Record<string, unknown>[];
  chat(model: string, headers: Record<string, string>): Promise<{ status: number; body: { error?: { code: string; type: string; message: string } } }>;
  readyz(): Promise<{ status: number; body: Record<string, unknown> }>;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

/**
 * `oidc`: the --oidc-config document (YAML/JSON text), or null for a gateway without issuers. `apiKey: false` leaves
 * the API-key Secret out (tokens are then the only credential).
 */
export async function startJwtGateway(oidc: string | null, authMode: AuthMode = 'required', opts: { apiKey?: boolean } = {}): Promise<JwtGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'swy-jwt-'));
  const manifests = opts.apiKey === false ? MANIFESTS.filter((m) => m.kind !== 'Secret') : MANIFESTS;
  await writeFile(join(dir, 'all.yaml'), manifests.map((m) => JSON.stringify(m)).join('\n---\n'));
  const lines: string[] = [];
  const destination = new Writable({ write(c, _e, cb) { lines.push(...String(c).split('\n').filter(Boolean)); cb(); } });
  const gw = await startStandalone({
    configDir: dir, dataPort: 0, adminPort: 0, host: '127.0.0.1', logger: createLogger({ level: 'debug', destination }),
    env: {}, authMode, watch: false, drainTimeoutMs: 1000,
    identity: oidc === null ? null : parseIdentityConfig(oidc),
  });
  return {
    gw, lines,
    accessLines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request'),
    async chat(model, headers) {
      const r = await fetch(`${gw.dataUrl}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      return { status: r.status, body: (await r.json()) as { error?: { code: string; type: string; message: string } } };
    },
    async readyz() {
      const r = await fetch(`${gw.adminUrl}/readyz`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    },
    async metrics() {
      return (await fetch(`${gw.adminUrl}/metrics`)).text();
    },
    async close() {
      await gw.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An --oidc-config document for one issuer (JSON, which is YAML). */
export function oidcConfig(issuer: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ issuers: [{ issuer, audiences: ['switchyard'], claims: { team: 'team' }, unknownKidCooldownSeconds: 0, ...extra }] });
}
