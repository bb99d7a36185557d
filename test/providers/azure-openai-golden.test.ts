// Golden fixtures for the azure-openai provider, one folder per concern under testdata/azure-openai/:
//   request/<case>/in.json  ({provider?, api, body, stream?, model, clientApi?}) → out.json (origin, path, headers, body)
//                           native pairs through buildNative; `clientApi` (anthropic-messages, openai-completions)
//                           decodes the body with that client codec and builds through buildCanonical
//   response/<case>/in.json (upstream 2xx chat body)  → out.json (native passthrough: usage, body kept; translated:
//                           the canonical answer, Azure annotations gone)
//   stream/<case>/in.sse    (recorded upstream stream) → out.json (native: client bytes, outcome, usage;
//                           translated: canonical events)
//   error/<case>/in.json    ({status, headers, body})  → out.json (the UpstreamFailure)
// The credential is a canary value, shown as <secret> in the outputs. UPDATE_GOLDEN=1 rewrites the outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { ClientCodec } from '../../pkg/canonical/codec.ts';
import type { ClientApi, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec as anthropicClient } from '../../pkg/dialects/anthropic-messages/index.ts';
import { clientCodec as completionsClient } from '../../pkg/dialects/openai-completions/index.ts';
import type { IngressRequest } from '../../pkg/ingress/types.ts';
import { createAzureOpenAIAdapter } from '../../pkg/providers/azure-openai/index.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import type { ProviderAdapter } from '../../pkg/providers/types.ts';
import type { TableProvider } from '../../pkg/table/types.ts';
import { expectGolden, goldenCaseRunner, readJson } from '../support/golden.ts';
import { makeProvider } from './helpers.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'azure-openai');
const KEY = 'azure-canary-key-5f1e2d3c4b5a6978';
const NOW = Date.parse('2026-12-03T12:00:00Z');

type Obj = Record<string, unknown>;

function azureProvider(over: Partial<TableProvider> = {}): TableProvider {
  return makeProvider({
    id: 'team-a/azure', name: 'azure', type: 'azure-openai', baseURL: 'https://my-resource.openai.azure.com',
    credential: { kind: 'header', header: 'api-key', value: KEY }, ...over,
  });
}

function adapterFor(over: Partial<TableProvider> = {}): ProviderAdapter {
  return createAzureOpenAIAdapter(azureProvider(over), createUpstreamPools(), { now: () => NOW });
}

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UpstreamFailureError) return { failure: err.failure };
    throw err;
  }
}

const CLIENT: Readonly<Partial<Record<ClientApi, ClientCodec>>> = { 'anthropic-messages': anthropicClient, 'openai-completions': completionsClient };

function ingress(api: ClientApi, body: Obj, stream: boolean): IngressRequest {
  const so = body.stream_options;
  const wantsUsage = typeof so === 'object' && so !== null && (so as Obj).include_usage === true;
  return { api, op: api === 'openai-embeddings' ? 'embeddings' : 'chat', body, model: String(body.model), stream, wantsUsage, forwardHeaders: {} };
}

const directions: Readonly<Record<string, (dir: string) => { file: string; value: unknown }>> = {
  request(dir) {
    const input = readJson(join(dir, 'in.json')) as Obj;
    const adapter = adapterFor((input.provider ?? {}) as Partial<TableProvider>);
    const body = input.body as Obj;
    const stream = body.stream === true;
    const target = { provider: azureProvider((input.provider ?? {}) as Partial<TableProvider>), model: String(input.model), timeouts: azureProvider().timeouts };
    const ctx = { requestId: 'req-golden-1', bodies: new Map<string, string | Uint8Array>() };
    const clientApi = input.clientApi as ClientApi | undefined;
    const client = clientApi === undefined ? undefined : CLIENT[clientApi];
    const up = client === undefined
      ? adapter.buildNative(ingress(input.api as ClientApi, body, stream), target, ctx)
      : adapter.buildCanonical(client.decodeRequest(body), target, ctx);
    const headers = Object.fromEntries(Object.entries(up.headers).map(([k, v]) => [k, v.split(KEY).join('<secret>')]));
    const text = typeof up.body === 'string' ? up.body : Buffer.from(up.body).toString('utf8');
    return { file: 'out.json', value: { origin: up.origin, path: up.path, headers, stream: up.stream, body: JSON.parse(text) as unknown } };
  },
  response(dir) {
    const raw = readFileSync(join(dir, 'in.json'));
    const adapter = adapterFor();
    const native = outcome(() => {
      const r = adapter.nativeResponse(ingress('openai-chat', { model: 'chat-dep' }, false), { provider: azureProvider(), model: 'chat-dep', timeouts: azureProvider().timeouts }, raw);
      return { usage: r.usage, bodyUnchanged: Buffer.compare(Buffer.from(r.body), raw) === 0 };
    });
    const translated = outcome(() => adapter.providerCodec?.decodeResponse(JSON.parse(raw.toString('utf8'))));
    return { file: 'out.json', value: { native, translated } };
  },
  stream(dir) {
    const raw = readFileSync(join(dir, 'in.sse'));
    const adapter = adapterFor();
    const t = adapter.nativeStream(ingress('openai-chat', { model: 'chat-dep', stream: true }, true), { provider: azureProvider(), model: 'chat-dep', timeouts: azureProvider().timeouts });
    const out = t.push(raw);
    const end = t.end();
    const dec = adapter.providerCodec?.createStreamDecoder();
    const events: StreamEvent[] = [];
    const translated = outcome(() => {
      events.push(...(dec?.push(raw) ?? []), ...(dec?.end() ?? []));
      return events;
    });
    return { file: 'out.json', value: { native: { out: out + end.tail, outcome: end.outcome, usage: end.usage, contentSeen: t.contentSeen, error: t.inBandError ?? end.error ?? null }, translated } };
  },
  error(dir) {
    const input = readJson(join(dir, 'in.json')) as Obj;
    const adapter = adapterFor();
    const target = { provider: azureProvider(), model: 'chat-dep', timeouts: azureProvider().timeouts };
    const body = Buffer.from(typeof input.body === 'string' ? input.body : JSON.stringify(input.body));
    return { file: 'out.json', value: adapter.classifyError(target, input.status as number, (input.headers ?? {}) as Record<string, string>, body) };
  },
};

const eachCase = goldenCaseRunner(ROOT, 2);

describe('azure-openai golden fixtures', () => {
  for (const [direction, run] of Object.entries(directions)) {
    describe(direction, () => {
      eachCase(direction, (d) => {
        const { file, value } = run(d);
        expect(JSON.stringify(value)).not.toContain(KEY);
        expectGolden(join(d, file), value);
      });
    });
  }
});
