// Catalogue cases B9 (malformed upstream answers), B12 (upstream 4xx) and B14 (usage) for each client API ×
// upstream pair (support/pairs.ts), over loopback HTTP through the gateway world.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { route } from '../proxy/harness.ts';
import { sseEvents as openaiSseEvents } from '../support/fake-openai-server.ts';
import type { Behavior } from '../support/fake-openai-server.ts';
import type { AnthropicFault } from '../support/fake-anthropic-server.ts';
import { ANTHROPIC_PRICING, OPENAI_KEY, OPENAI_PRICING, startWorld, UPSTREAM_MODELS } from '../support/gateway-world.ts';
import type { World } from '../support/gateway-world.ts';
import { accessLine, answerText, ask, endedWithSuccess, errorOf, PAIRS, sseEvents, terminalError } from './support/pairs.ts';
import type { Answer, ClientApi, Pair } from './support/pairs.ts';

let w: World;
beforeAll(async () => {
  // Routes with a fallback to the other family, to prove that a 4xx caused by the request does not fail over.
  w = await startWorld({
    extra: [
      route('b12-ant', { model: 'b12-ant', retry: { attempts: 3 }, targets: [{ provider: 'ant', model: UPSTREAM_MODELS.anthropic }], fallback: [{ provider: 'oac', model: UPSTREAM_MODELS.openai }] }),
      route('b12-oa', { model: 'b12-oa', retry: { attempts: 3 }, targets: [{ provider: 'oac', model: UPSTREAM_MODELS.openai }], fallback: [{ provider: 'ant', model: UPSTREAM_MODELS.anthropic }] }),
    ],
  });
});
afterAll(async () => w.close());
afterEach(() => w.reset());

/** Applies a fault to the pair's upstream: Anthropic faults, or an OpenAI fake behaviour. */
function fault(p: Pair, ant: AnthropicFault, oa: Behavior): void {
  if (p.upstream === 'ant') w.ant.setFault(ant);
  else w.oa.setBehavior(() => oa);
}

function upstreamCalls(): { ant: number; oa: number } {
  return { ant: w.ant.requests.length, oa: w.oa.requests.length };
}

/** A valid upstream stream, framed the hostile-but-legal way: CRLF, `data:` without a space, comments, unknown fields. */
function hostileFraming(sse: string): string {
  return sse.replace(/^data: /gm, 'data:').replace(/\n\n/g, '\n: keep-alive comment\nunknown-field-line\n\n').replace(/\n/g, '\r\n');
}

/** The OpenAI fake's chat stream for "Echo: <prompt>" (the world's behaviour), as one SSE text. */
function openaiStream(prompt: string): string {
  return openaiSseEvents(UPSTREAM_MODELS.openai, { content: ['Echo: ', prompt] }, true).join('');
}

describe.each(PAIRS)('B9 malformed upstream answers: $name', (p) => {
  it('non-stream: a body that is not JSON → 502 upstream_invalid_response in the client\'s envelope', async () => {
    fault(p, { rawBody: 'this is not json <html>' }, { rawBody: 'this is not json <html>', rawContentType: 'application/json' });
    const a = await ask(w.gw, p.api, p.model, 'hi', false);
    expect(a.status).toBe(502);
    expect(errorOf(p.api, a).message).toBe('The upstream provider sent an invalid response.');
    expect((await accessLine(w.gw, a.requestId)).code).toBe('upstream_invalid_response');
  });

  it('stream: CRLF, `data:` without a space, comments and unknown lines, 3-byte pieces → the same answer', async () => {
    const prompt = 'split me into pieces';
    fault(p,
      { transform: hostileFraming, splitEvery: 3 },
      { rawBody: hostileFraming(openaiStream(prompt)), rawContentType: 'text/event-stream', split: 3 });
    const a = await ask(w.gw, p.api, p.model, prompt, true);
    expect(a.status).toBe(200);
    expect(answerText(p.api, a)).toBe(`Echo: ${prompt}`);
    expect(endedWithSuccess(p.api, a.text)).toBe(true);
  });

  it('stream: a garbage event before any content → nothing was sent, so a 502 JSON error (not a broken stream)', async () => {
    const garbage = 'data: {"type": not json\n\n';
    fault(p,
      { transform: (s) => s.replace(/\n\n/, `\n\n${garbage}`) },
      { rawBody: openaiStream('x').replace(/\n\n/, `\n\n${garbage}`), rawContentType: 'text/event-stream' });
    const a = await ask(w.gw, p.api, p.model, 'x', true);
    expect(a.status).toBe(502);
    expect(a.contentType).toContain('application/json');
    expect(errorOf(p.api, a).message).toEqual(expect.any(String));
    expect((await accessLine(w.gw, a.requestId)).code).toBe('upstream_invalid_response');
  });

  it('stream: a garbage event after content → one terminal error event in the client\'s dialect, no success terminator', async () => {
    const garbage = 'data: {"type": not json\n\n';
    const cutBeforeEnd = (s: string, marker: string): string => s.replace(marker, `${garbage}${marker}`);
    // Written in timed pieces, so that the content reaches the client before the garbage arrives.
    fault(p,
      { transform: (s) => cutBeforeEnd(s, 'event: message_delta'), splitEvery: 200, gapMs: 10 },
      { rawBody: cutBeforeEnd(openaiStream('partial answer'), 'data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1735689600,"model":"gpt-up","system_fingerprint":null,"choices":[{"index":0,"delta":{},'), rawContentType: 'text/event-stream', split: 200, chunkDelayMs: 10 });
    const a = await ask(w.gw, p.api, p.model, 'partial answer', true);
    expect(a.status).toBe(200);
    expect(answerText(p.api, a)).toBe('Echo: partial answer');
    expect(terminalError(p.api, a.text)).not.toBeNull();
    expect(endedWithSuccess(p.api, a.text)).toBe(false);
    expect(sseEvents(a.text).filter((e) => terminalError(p.api, `event: ${e.event}\ndata: ${e.data}\n\n`) !== null)).toHaveLength(1);
  });

  it('stream asked, a JSON body answered → no crash: a 502 upstream_invalid_response', async () => {
    fault(p,
      { rawBody: JSON.stringify({ id: 'msg_x', type: 'message', role: 'assistant', model: 'claude-up', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }) },
      { rawBody: JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'gpt-up', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }), rawContentType: 'application/json' });
    const a = await ask(w.gw, p.api, p.model, 'x', true);
    expect(a.status).toBe(502);
    expect((await accessLine(w.gw, a.requestId)).code).toBe('upstream_invalid_response');
  });
});

const FALLBACK_ROUTE = { ant: 'b12-ant', oa: 'b12-oa' } as const;

describe.each(PAIRS)('B12 upstream 4xx: $name', (p) => {
  it('400 → 400 with the upstream\'s message; no retry, no fallback', async () => {
    fault(p,
      { status: 400, errorType: 'invalid_request_error', message: 'messages.0.content: bad field' },
      { status: 400, errorBody: { error: { message: 'messages.0.content: bad field', type: 'invalid_request_error', param: 'messages', code: null } } });
    const a = await ask(w.gw, p.api, FALLBACK_ROUTE[p.upstream], 'hi', false);
    expect(a.status).toBe(400);
    expect(errorOf(p.api, a).message).toContain('bad field');
    expect(upstreamCalls()).toEqual(p.upstream === 'ant' ? { ant: 1, oa: 0 } : { ant: 0, oa: 1 });
  });

  it('context length exceeded → 400 naming it; no fallback', async () => {
    fault(p,
      { status: 400, errorType: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' },
      { status: 400, errorBody: { error: { message: 'This model\'s maximum context length is 128000 tokens. However, your messages resulted in 250000 tokens.', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } });
    const a = await ask(w.gw, p.api, FALLBACK_ROUTE[p.upstream], 'hi', true);
    expect(a.status).toBe(400);
    expect(errorOf(p.api, a).message).toMatch(/too long|maximum context length/);
    expect(upstreamCalls()).toEqual(p.upstream === 'ant' ? { ant: 1, oa: 0 } : { ant: 0, oa: 1 });
  });

  it('404 (the provider does not know the model) → 404 in the client\'s dialect; no fallback', async () => {
    fault(p,
      { status: 404, errorType: 'not_found_error', message: 'model: claude-up' },
      { status: 404, errorBody: { error: { message: 'The model `gpt-up` does not exist.', type: 'invalid_request_error', param: null, code: 'model_not_found' } } });
    const a = await ask(w.gw, p.api, FALLBACK_ROUTE[p.upstream], 'hi', false);
    expect(a.status).toBe(404);
    const e = errorOf(p.api, a);
    if (p.api === 'messages') expect(e.type).toBe('not_found_error');
    expect(upstreamCalls()).toEqual(p.upstream === 'ant' ? { ant: 1, oa: 0 } : { ant: 0, oa: 1 });
  });

  it.each([401, 403])('%i from the provider → 502 upstream_auth_error; the upstream\'s body (echoing its key) never reaches the client', async (status) => {
    const secret = p.upstream === 'ant' ? w.ant.apiKey : OPENAI_KEY;
    fault(p,
      { status, message: `invalid x-api-key ${secret}` },
      { status, errorBody: { error: { message: `Incorrect API key provided: ${secret}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    const a = await ask(w.gw, p.api, p.model, 'hi', false);
    expect(a.status).toBe(502);
    expect(a.text).not.toContain(secret);
    expect(a.text).not.toContain(secret.slice(-8));
    expect(errorOf(p.api, a).message).toBe('The upstream provider rejected the gateway\'s credentials.');
    expect((await accessLine(w.gw, a.requestId)).code).toBe('upstream_auth_error');
  });
});

interface UsageCase {
  readonly clientUsage: Record<string, number>;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly costUSD: number;
}

const ANT_USAGE = { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 30, cache_read_input_tokens: 50 };
const OA_USAGE = { prompt_tokens: 180, completion_tokens: 20, total_tokens: 200, prompt_tokens_details: { cached_tokens: 50 }, completion_tokens_details: { reasoning_tokens: 7 } };
// Hand-computed: all input 180 (100 uncached + 30 cache write + 50 cache read), 50 of them at the cached rate.
const ANT_COST = ((180 - 50) * ANTHROPIC_PRICING.input + 50 * ANTHROPIC_PRICING.cachedInput + 20 * ANTHROPIC_PRICING.output) / 1e6;
const OA_COST = ((180 - 50) * OPENAI_PRICING.input + 50 * OPENAI_PRICING.cachedInput + 20 * OPENAI_PRICING.output) / 1e6;

const EXPECTED: Readonly<Record<string, UsageCase>> = {
  'openai-chat → anthropic': { clientUsage: { prompt_tokens: 180, completion_tokens: 20, total_tokens: 200, cached_tokens: 50 }, tokensIn: 180, tokensOut: 20, costUSD: ANT_COST },
  'anthropic-messages → openai-compatible': { clientUsage: { input_tokens: 130, output_tokens: 20, cache_read_input_tokens: 50 }, tokensIn: 180, tokensOut: 20, costUSD: OA_COST },
  'openai-responses → anthropic': { clientUsage: { input_tokens: 180, output_tokens: 20, total_tokens: 200, cached_tokens: 50 }, tokensIn: 180, tokensOut: 20, costUSD: ANT_COST },
  'anthropic-messages → anthropic (native)': { clientUsage: ANT_USAGE, tokensIn: 180, tokensOut: 20, costUSD: ANT_COST },
};

type Obj = Record<string, unknown>;

/** The usage the client saw, flattened (cached_tokens lifted out of the *_details objects). */
function clientUsage(api: ClientApi, a: Answer): Record<string, number> {
  let u: Obj = {};
  if (!a.contentType.includes('event-stream')) u = (JSON.parse(a.text) as { usage: Obj }).usage;
  else {
    for (const e of sseEvents(a.text)) {
      if (e.data === '[DONE]') continue;
      const d = JSON.parse(e.data) as Obj;
      if (api === 'chat' && d.usage) u = d.usage as Obj;
      if (api === 'messages' && d.type === 'message_start') u = { ...((d.message as Obj).usage as Obj) };
      if (api === 'messages' && d.type === 'message_delta') u = { ...u, ...(d.usage as Obj) };
      if (api === 'responses' && d.type === 'response.completed') u = (d.response as Obj).usage as Obj;
    }
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(u)) {
    if (typeof v === 'number') out[k] = v;
    else if ((k === 'prompt_tokens_details' || k === 'input_tokens_details') && typeof (v as Obj | null)?.cached_tokens === 'number') out.cached_tokens = (v as Obj).cached_tokens as number;
  }
  return out;
}

describe.each(PAIRS)('B14 usage: $name', (p) => {
  const want = EXPECTED[p.name]!;
  it.each([
    ['non-stream', false, false],
    ['stream', true, false],
    ['stream, usage only in the last event', true, true],
  ])('%s: the client sees the provider\'s usage in its dialect; the ledger matches the hand-computed cost', async (_m, stream, onlyInDelta) => {
    fault(p, { usage: ANT_USAGE, usageOnlyInDelta: onlyInDelta }, { usage: OA_USAGE, content: ['Echo: ', 'u'] });
    const a = await ask(w.gw, p.api, p.model, 'u', stream);
    expect(a.status).toBe(200);
    expect(clientUsage(p.api, a)).toMatchObject(want.clientUsage);
    const line = await accessLine(w.gw, a.requestId);
    expect(line).toMatchObject({ tokensIn: want.tokensIn, tokensOut: want.tokensOut, usageEstimated: false });
    expect(line.costUSD).toBeCloseTo(want.costUSD, 12);
  });
});
