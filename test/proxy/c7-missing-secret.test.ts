// C7 on the data plane: a route whose only Provider lacks its Secret is in the table with no targets and answers
// 503 no_healthy_upstream with Retry-After (never 404, never an upstream call); once the Secret exists and a new
// table is loaded, the same route serves. B2's 502 (providers tried, all refused) stays distinct.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, NS, compileTable, postJson, route, secret, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

const KEY = 'sk-late-secret-0000000001';

let up: FakeOpenAI;
let gw: Gateway;
let dead: string;

/** A Provider whose credential Secret `keyless-cred` is not part of the manifests. */
function keyless(baseURL: string): unknown {
  return {
    apiVersion: 'switchyard.dev/v1alpha1',
    kind: 'Provider',
    metadata: { name: 'keyless', namespace: NS },
    spec: { type: 'openai-compatible', baseURL, auth: { secretRef: { name: 'keyless-cred', key: 'apiKey' } } },
  };
}

function manifests(): unknown[] {
  return [
    keyless(up.url),
    { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'dead', namespace: NS }, spec: { type: 'openai-compatible', baseURL: dead } },
    route('solo', { model: 'solo', aliases: ['solo-alias'], targets: [{ provider: 'keyless', model: 'gpt-4o-mini' }] }),
    route('refused', { model: 'refused', retry: { attempts: 1 }, targets: [{ provider: 'dead', model: 'm' }] }),
  ];
}

beforeAll(async () => {
  up = await startFakeOpenAI();
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  dead = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1`;
  await new Promise<void>((r) => srv.close(() => r()));
  gw = await startGateway(manifests(), { auth: 'open' });
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const chat = (model: string, extra: Record<string, unknown> = {}): Promise<Response> =>
  postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model, ...extra });

describe('C7 route whose only provider has a missing Secret', () => {
  it('C7 → 503 no_healthy_upstream with Retry-After, no upstream call (model and alias, stream or not)', async () => {
    for (const [model, stream] of [['solo', false], ['solo-alias', false], ['solo', true]] as const) {
      const res = await chat(model, { stream });
      expect(res.status, model).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('x-switchyard-attempts')).toBe('0');
      const body = (await res.json()) as { error: { type: string; code: string; message: string } };
      expect(body.error).toMatchObject({ type: 'upstream_error', code: 'no_healthy_upstream' });
      expect(body.error.message).toMatch(/Retry-After/);
    }
    expect(up.requests).toHaveLength(0);
    expect(gw.accessLines().at(-1)).toMatchObject({ status: 503, code: 'no_healthy_upstream' });
  });

  it('C7 the OpenAI SDK sees a 503 APIError with code no_healthy_upstream', async () => {
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', defaultHeaders: { authorization: null }, maxRetries: 0 });
    const err: unknown = await client.chat.completions.create({ model: 'solo', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiErr.status).toBe(503);
    expect(apiErr.code).toBe('no_healthy_upstream');
    expect(apiErr.headers?.get('retry-after')).toBe('5');
  });

  it('B2 stays distinct: a provider that was tried and refused → 502 without Retry-After', async () => {
    const res = await chat('refused');
    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.headers.get('x-switchyard-attempts')).toBe('1');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_healthy_upstream');
  });

  it('C7 Secret created → the next table serves the same route (200 through the provider, with its key)', async () => {
    gw.holder.load(compileTable([...manifests(), secret('keyless-cred', { apiKey: KEY })], 2));
    const res = await chat('solo');
    expect(res.status).toBe(200);
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});
