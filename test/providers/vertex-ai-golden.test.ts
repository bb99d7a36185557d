// Golden fixtures for the vertex-ai provider, one folder per concern under testdata/vertex-ai/:
//   request/<case>/in.json  ({provider?, clientApi, countTokens?, headers?, body, model}) → out.json: whether the
//                           adapter passes the request through (isNative), then {origin, path, headers, stream, body}
//                           from buildNative, or from buildCanonical after the client codec decoded the body; or the
//                           client error a request gets
//   response/<case>/in.json (upstream 2xx body, Claude or Gemini)  → out.json (the canonical answer; for Claude also
//                           the native passthrough's usage)
//   stream/<case>/in.sse    (recorded upstream stream)  → out.json (canonical events through the sniffing decoder, for
//                           any split of the bytes; for Claude also the native passthrough's outcome and usage)
//   error/<case>/in.json    ({status, headers, body})   → out.json (the UpstreamFailure)
// UPDATE_GOLDEN=1 rewrites the outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import type { ClientCodec } from '../../pkg/canonical/codec.ts';
import type { ClientApi, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec as anthropicClient } from '../../pkg/dialects/anthropic-messages/index.ts';
import { clientCodec as chatClient } from '../../pkg/dialects/openai-chat/index.ts';
import { clientCodec as responsesClient } from '../../pkg/dialects/openai-responses/index.ts';
import { GatewayError } from '../../pkg/errors/errors.ts';
import type { IngressRequest } from '../../pkg/ingress/types.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import type { ProviderAdapter } from '../../pkg/providers/types.ts';
import { VERTEX_AI_DESCRIPTOR } from '../../pkg/providers/vertex-ai/descriptor.ts';
import { createVertexAIAdapter } from '../../pkg/providers/vertex-ai/index.ts';
import type { TableProvider } from '../../pkg/table/types.ts';
import { expectGolden, goldenCaseRunner, readJson } from '../support/golden.ts';
import { makeProvider } from './helpers.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'vertex-ai');
const NOW = Date.parse('2026-12-03T12:00:00Z');
const pools = createUpstreamPools();
afterAll(() => pools.destroy());

type Obj = Record<string, unknown>;

function vertexProvider(over: Partial<TableProvider> = {}): TableProvider {
  return makeProvider({
    id: 'team-a/vertex', name: 'vertex', type: 'vertex-ai', baseURL: VERTEX_AI_DESCRIPTOR.defaultBaseURL ?? '', region: 'us-east5', project: 'my-proj',
    // No credential: these tests never send, so no token source is started.
    credential: null, nativeApis: VERTEX_AI_DESCRIPTOR.nativeApis, translatedApis: VERTEX_AI_DESCRIPTOR.translatedApis, ...over,
  });
}

function adapterFor(over: Partial<TableProvider> = {}): ProviderAdapter {
  return createVertexAIAdapter(vertexProvider(over), pools, { now: () => NOW });
}

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UpstreamFailureError) return { failure: err.failure };
    if (err instanceof GatewayError) return { clientError: { code: err.code, message: err.message, param: err.param ?? null } };
    throw err;
  }
}

const CLIENT: Readonly<Partial<Record<ClientApi, ClientCodec>>> = { 'anthropic-messages': anthropicClient, 'openai-chat': chatClient, 'openai-responses': responsesClient };

function ingress(api: ClientApi, body: Obj, headers: Readonly<Record<string, string>>, countTokens: boolean): IngressRequest {
  return { api, op: 'chat', body, model: String(body.model), stream: body.stream === true, wantsUsage: true, forwardHeaders: headers, ...(countTokens ? { countTokens } : {}) };
}

const target = (model: string, over: Partial<TableProvider> = {}): { provider: TableProvider; model: string; timeouts: TableProvider['timeouts'] } => ({ provider: vertexProvider(over), model, timeouts: vertexProvider().timeouts });

const directions: Readonly<Record<string, (dir: string) => { file: string; value: unknown }>> = {
  request(dir) {
    const input = readJson(join(dir, 'in.json')) as Obj;
    const over = (input.provider ?? {}) as Partial<TableProvider>;
    const adapter = adapterFor(over);
    const body = input.body as Obj;
    const api = input.clientApi as ClientApi;
    const req = ingress(api, body, (input.headers ?? {}) as Record<string, string>, input.countTokens === true);
    const t = target(String(input.model), over);
    const ctx = { requestId: 'req-golden-1', bodies: new Map<string, string | Uint8Array>() };
    const native = adapter.isNative?.(req, t) ?? adapter.nativeApis.has(api);
    const built = outcome(() => {
      const up = native ? adapter.buildNative(req, t, ctx) : adapter.buildCanonical(CLIENT[api]!.decodeRequest(body), t, ctx);
      const text = typeof up.body === 'string' ? up.body : Buffer.from(up.body).toString('utf8');
      return { origin: up.origin, path: up.path, headers: up.headers, stream: up.stream, body: JSON.parse(text) as unknown };
    });
    return { file: 'out.json', value: { native, request: built } };
  },
  response(dir) {
    const raw = readFileSync(join(dir, 'in.json'));
    const parsed = JSON.parse(raw.toString('utf8')) as Obj;
    const adapter = adapterFor();
    const translated = outcome(() => adapter.providerCodec?.decodeResponse(parsed));
    if (parsed.type !== 'message') return { file: 'out.json', value: { translated } };
    const native = outcome(() => {
      const model = String(parsed.model);
      const r = adapter.nativeResponse(ingress('anthropic-messages', { model }, {}, false), target(model), raw);
      return { usage: r.usage, bodyUnchanged: Buffer.compare(Buffer.from(r.body), raw) === 0 };
    });
    return { file: 'out.json', value: { native, translated } };
  },
  stream(dir) {
    const raw = readFileSync(join(dir, 'in.sse'));
    const adapter = adapterFor();
    const decode = (pieces: readonly Uint8Array[]): unknown => outcome(() => {
      const dec = adapter.providerCodec!.createStreamDecoder();
      const events: StreamEvent[] = [];
      for (const p of pieces) events.push(...dec.push(p));
      events.push(...dec.end());
      return events;
    });
    const translated = decode([raw]);
    // Any split gives the same events (the sniffing decoder holds bytes until it knows the format).
    for (const size of [1, 3, 17]) {
      const pieces: Uint8Array[] = [];
      for (let o = 0; o < raw.length; o += size) pieces.push(raw.subarray(o, o + size));
      expect(decode(pieces)).toEqual(translated);
    }
    if (!raw.toString('utf8').startsWith('event:')) return { file: 'out.json', value: { translated } };
    const tr = adapter.nativeStream(ingress('anthropic-messages', { model: 'claude', stream: true }, {}, false), target('claude-sonnet-4-5@20250929'));
    const out = tr.push(raw);
    const end = tr.end();
    const native = { bytesUnchanged: out + end.tail === raw.toString('utf8'), outcome: end.outcome, usage: end.usage, contentSeen: tr.contentSeen, inBandError: tr.inBandError ?? null };
    return { file: 'out.json', value: { native, translated } };
  },
  error(dir) {
    const input = readJson(join(dir, 'in.json')) as Obj;
    const adapter = adapterFor();
    const body = Buffer.from(typeof input.body === 'string' ? input.body : JSON.stringify(input.body));
    return { file: 'out.json', value: adapter.classifyError(target('gemini-2.5-flash'), input.status as number, (input.headers ?? {}) as Record<string, string>, body) };
  },
};

const eachCase = goldenCaseRunner(ROOT, 2);

describe('vertex-ai golden fixtures', () => {
  for (const [direction, run] of Object.entries(directions)) {
    describe(direction, () => {
      eachCase(direction, (d) => {
        const { file, value } = run(d);
        expectGolden(join(d, file), value);
      });
    });
  }
});
