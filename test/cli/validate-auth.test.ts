// `switchyard validate` with the issue-9 auth methods: each Provider's auth is described (method, where it goes) and
// no Secret value appears; Secrets referenced by aws / googleServiceAccount / entra.clientSecret that are absent are
// warnings (assumed present, with a service-account-shaped placeholder), like secretRef.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callCli } from '../support/cli.ts';

const CANARY = 'validate-canary-5f1e';
const V = 'apiVersion: switchyard.dev/v1alpha1';
const SA = JSON.stringify({ type: 'service_account', private_key_id: `${CANARY}-kid`, private_key: `-----BEGIN PRIVATE KEY-----\n${CANARY}\n-----END PRIVATE KEY-----\n`, client_email: 'x@p.iam.gserviceaccount.com' });

const MANIFESTS = `${V}
kind: Provider
metadata: { name: bedrock }
spec:
  type: bedrock
  region: us-east-1
  auth: { aws: { accessKeyId: { name: aws, key: id }, secretAccessKey: { name: aws, key: secret }, sessionToken: { name: aws, key: token } } }
---
${V}
kind: Provider
metadata: { name: bedrock-irsa }
spec: { type: bedrock, region: eu-west-1, auth: { awsWebIdentity: { roleArn: 'arn:aws:iam::123456789012:role/r' } } }
---
${V}
kind: Provider
metadata: { name: vertex }
spec: { type: vertex-ai, region: us-central1, project: p, auth: { googleServiceAccount: { name: vertex, key: sa.json } } }
---
${V}
kind: Provider
metadata: { name: vertex-adc }
spec: { type: vertex-ai, region: global, project: p, auth: { googleDefault: {} } }
---
${V}
kind: Provider
metadata: { name: azure }
spec: { type: azure-openai, baseURL: 'https://r.openai.azure.com', auth: { entra: { tenantId: tenant-1, clientId: client-1, clientSecret: { name: entra, key: secret } } } }
---
${V}
kind: ModelRoute
metadata: { name: chat }
spec:
  model: chat
  targets: [{ provider: bedrock, model: m }, { provider: bedrock-irsa, model: m }, { provider: vertex, model: m }, { provider: vertex-adc, model: m }, { provider: azure, model: m }]
`;

const SECRETS = `apiVersion: v1
kind: Secret
metadata: { name: aws }
stringData: { id: AKIA${CANARY.toUpperCase().replace(/-/g, '')}, secret: ${CANARY}-secret, token: ${CANARY}-token }
---
apiVersion: v1
kind: Secret
metadata: { name: vertex }
stringData: { sa.json: '${SA}' }
---
apiVersion: v1
kind: Secret
metadata: { name: entra }
stringData: { secret: ${CANARY}-client }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swy-validate-auth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('switchyard validate: auth methods', () => {
  it('describes how each Provider authenticates and prints no Secret value', async () => {
    await writeFile(join(dir, 'providers.yaml'), MANIFESTS);
    await writeFile(join(dir, 'secrets.yaml'), SECRETS);
    const table = await callCli(['validate', dir]);
    expect(table.code, table.stdout + table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^PROVIDER\s+TYPE\s+AUTH$/m);
    expect(table.stdout).toMatch(/^default\/bedrock\s+bedrock\s+AWS SigV4 \(bedrock, us-east-1\) with static keys from a Secret and a session token$/m);
    expect(table.stdout).toMatch(/^default\/bedrock-irsa\s+bedrock\s+AWS SigV4 \(bedrock, eu-west-1\) with web identity: role arn:aws:iam::123456789012:role\/r, token file from AWS_WEB_IDENTITY_TOKEN_FILE/m);
    expect(table.stdout).toMatch(/^default\/vertex\s+vertex-ai\s+Google OAuth access token from a service-account key in a Secret$/m);
    expect(table.stdout).toMatch(/^default\/vertex-adc\s+vertex-ai\s+Google OAuth access token from application default credentials/m);
    expect(table.stdout).toMatch(/^default\/azure\s+azure-openai\s+Microsoft Entra ID token \(tenant tenant-1, client client-1\): client secret from a Secret$/m);
    const asJson = await callCli(['validate', '-o', 'json', dir]);
    const report = JSON.parse(asJson.stdout) as { providers: { provider: string; type: string; auth: string }[] };
    expect(report.providers.map((p) => p.provider)).toEqual(['default/azure', 'default/bedrock', 'default/bedrock-irsa', 'default/vertex', 'default/vertex-adc']);
    for (const out of [table.stdout + table.stderr, asJson.stdout + asJson.stderr]) {
      expect(out).not.toContain(CANARY);
      expect(out.toLowerCase()).not.toContain(CANARY.toUpperCase().replace(/-/g, '').toLowerCase());
    }
  });

  it('Secrets the new methods reference that are absent are warnings, not errors', async () => {
    const only = await mkdtemp(join(tmpdir(), 'swy-validate-auth-nosecrets-'));
    try {
      await writeFile(join(only, 'providers.yaml'), MANIFESTS);
      const r = await callCli(['validate', '-o', 'json', only]);
      const report = JSON.parse(r.stdout) as { ok: boolean; errors: unknown[]; warnings: { reason: string; object: { kind: string; name: string } | null }[] };
      expect(report.errors).toEqual([]);
      expect(report.ok).toBe(true);
      const missing = report.warnings.filter((w) => w.reason === 'SecretNotFound' && w.object?.kind === 'Provider').map((w) => w.object?.name).sort();
      expect(missing).toEqual(['azure', 'bedrock', 'vertex']);
    } finally {
      await rm(only, { recursive: true, force: true });
    }
  });
});
