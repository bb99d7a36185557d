// The openai-responses codec against the real clients: a loopback node:http server at /v1/responses decodes each
// request with clientCodec.decodeRequest (so the SDKs' real request shapes are decoded too) and answers with bytes
// from encodeResponse / createStreamEncoder. The official `openai` SDK (responses.create, create({stream:true}),
// responses.stream) and Vercel `ai` with @ai-sdk/openai's Responses model (generateText, streamText) consume them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EncodeContext } from '../../pkg/canonical/codec.ts';
import type { CanonicalRequest, CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec } from '../../pkg/dialects/openai-responses/index.ts';
import { GatewayError, toOpenAIError } from '../../pkg/errors/errors.ts';

const USAGE = { inputTokens: 40, outputTokens: 9, cachedInputTokens: 16, reasoningTokens: 3 };

/** What the fake upstream "answers", chosen from the decoded request. */
function answer(req: CanonicalRequest): CanonicalResponse | 'fail' {
  const last = req.messages.at(-1);
  const texts = (last?.content ?? []).flatMap((p) => (p.type === 'text' ? [p.text] : []));
  if (last?.content.some((p) => p.type === 'tool_result') === true) {
    return { id: 'up', model: 'up-model', content: [{ type: 'text', text: 'It is 18C in Paris.' }], stopReason: 'end_turn', usage: USAGE };
  }
  if (texts.some((t) => t.includes('fail'))) return 'fail';
  if (texts.some((t) => t.includes('weather'))) {
    return {
      id: 'up',
      model: 'up-model',
      content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'call_w1', name: 'get_weather', input: { city: 'Paris' } }],
      stopReason: 'tool_use',
      usage: USAGE,
    };
  }
  return { id: 'up', model: 'up-model', content: [{ type: 'text', text: 'Hello from the gateway.' }], stopReason: 'end_turn', usage: USAGE };
}

/** The canonical stream an upstream would produce for `resp`, text and arguments in two fragments each. */
function eventsOf(resp: CanonicalResponse): StreamEvent[] {
  const out: StreamEvent[] = [{ type: 'start', id: resp.id, model: resp.model }];
  const halves = (s: string): string[] => [s.slice(0, Math.ceil(s.length / 2)), s.slice(Math.ceil(s.length / 2))];
  resp.content.forEach((part, index) => {
    if (part.type === 'text') {
      out.push({ type: 'block_start', index, block: { type: 'text' } }, ...halves(part.text).map((text) => ({ type: 'text_delta' as const, index, text })));
    } else if (part.type === 'tool_use') {
      out.push({ type: 'block_start', index, block: { type: 'tool_use', id: part.id, name: part.name } });
      out.push(...halves(JSON.stringify(part.input)).map((json) => ({ type: 'tool_input_delta' as const, index, json })));
    }
    out.push({ type: 'block_stop', index });
  });
  out.push({ type: 'finish', stopReason: resp.stopReason }, { type: 'usage', usage: resp.usage ?? USAGE }, { type: 'done' });
  return out;
}

let server: Server;
let baseURL: string;
let counter = 0;
const seen: CanonicalRequest[] = [];
const rawBodies: Record<string, unknown>[] = [];

function handle(body: Record<string, unknown>, write: (status: number, type: string, text: string) => void, writeChunk: (s: string) => void, end: () => void): void {
  rawBodies.push(body);
  let req: CanonicalRequest;
  try {
    req = clientCodec.decodeRequest(body);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    write(err.status, 'application/json', JSON.stringify(toOpenAIError(err)));
    return;
  }
  seen.push(req);
  const ctx: EncodeContext = { model: req.model, requestId: `req${++counter}`, nowSec: 1767225600, streamUsage: true, request: req };
  const resp = answer(req);
  if (!req.stream) {
    write(200, 'application/json', clientCodec.encodeResponse(resp === 'fail' ? answer({ ...req, messages: [] }) as CanonicalResponse : resp, ctx));
    return;
  }
  const enc = clientCodec.createStreamEncoder(ctx);
  write(200, 'text/event-stream', '');
  if (resp === 'fail') {
    writeChunk(enc.encode({ type: 'start', id: 'up', model: 'up-model' }));
    writeChunk(enc.encode({ type: 'block_start', index: 0, block: { type: 'text' } }));
    writeChunk(enc.encode({ type: 'text_delta', index: 0, text: 'Partial' }));
    writeChunk(enc.error({ status: 502, type: 'upstream_error', code: 'upstream_stream_interrupted', message: 'The upstream stream was interrupted.' }));
  } else {
    for (const ev of eventsOf(resp)) writeChunk(enc.encode(ev));
  }
  end();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/responses' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      handle(
        JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        (status, type, text) => {
          res.writeHead(status, { 'content-type': type });
          if (type !== 'text/event-stream') res.end(text);
        },
        (s) => res.write(s),
        () => res.end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const weatherTool = { type: 'function' as const, name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true };

describe('openai SDK against the encoded Responses wire format', () => {
  const client = (): OpenAI => new OpenAI({ baseURL, apiKey: 'sk-test', maxRetries: 0 });

  it('responses.create (non-stream): output_text, id, usage, echoed settings', async () => {
    const r = await client().responses.create({ model: 'my-route', instructions: 'Be brief.', input: 'Say hello', temperature: 0.3 });
    expect(r.output_text).toBe('Hello from the gateway.');
    expect(r.id).toMatch(/^resp_req\d+$/);
    expect(r.status).toBe('completed');
    expect(r.model).toBe('my-route');
    expect(r.temperature).toBe(0.3);
    expect(r.instructions).toBe('Be brief.');
    expect(r.usage).toMatchObject({ input_tokens: 40, output_tokens: 9, total_tokens: 49, input_tokens_details: { cached_tokens: 16 }, output_tokens_details: { reasoning_tokens: 3 } });
    expect(seen.at(-1)?.system).toEqual([{ type: 'text', text: 'Be brief.' }]);
  });

  it('responses.create (non-stream): a function call', async () => {
    const r = await client().responses.create({ model: 'my-route', input: 'What is the weather in Paris?', tools: [weatherTool] });
    const calls = r.output.filter((o) => o.type === 'function_call');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ call_id: 'call_w1', name: 'get_weather', status: 'completed' });
    expect(JSON.parse(calls[0]?.arguments ?? '')).toEqual({ city: 'Paris' });
    expect(r.tools).toEqual([weatherTool]);
  });

  it('a tool round trip: the SDK sends function_call and function_call_output back and they decode', async () => {
    const first = await client().responses.create({ model: 'my-route', input: 'What is the weather in Paris?', tools: [weatherTool] });
    const call = first.output.find((o) => o.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function call');
    const second = await client().responses.create({
      model: 'my-route',
      tools: [weatherTool],
      input: [{ role: 'user', content: 'What is the weather in Paris?' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: call.call_id, output: '18C' }],
    });
    expect(second.output_text).toBe('It is 18C in Paris.');
    const decoded = seen.at(-1);
    expect(decoded?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(decoded?.messages[1]?.content).toContainEqual({ type: 'tool_use', id: 'call_w1', name: 'get_weather', input: { city: 'Paris' } });
    expect(decoded?.messages[2]?.content).toEqual([{ type: 'tool_result', toolUseId: 'call_w1', content: [{ type: 'text', text: '18C' }] }]);
  });

  it('responses.create({stream: true}): deltas reassemble, completed carries usage', async () => {
    const stream = await client().responses.create({ model: 'my-route', input: 'Say hello', stream: true });
    let text = '';
    const types: string[] = [];
    let final: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.completed') final = ev.response;
    }
    expect(text).toBe('Hello from the gateway.');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(final?.usage?.total_tokens).toBe(49);
  });

  it('responses.stream: finalResponse(), function call arguments, usage', async () => {
    const argDeltas: string[] = [];
    const stream = client().responses.stream({ model: 'my-route', input: 'What is the weather in Paris?', tools: [weatherTool] });
    stream.on('response.function_call_arguments.delta', (ev) => argDeltas.push(ev.delta));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Checking.');
    const call = final.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', call_id: 'call_w1', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(argDeltas.join('')).toBe('{"city":"Paris"}');
    expect(final.usage).toMatchObject({ input_tokens: 40, output_tokens: 9, input_tokens_details: { cached_tokens: 16 } });
  });

  it('an error event mid-stream surfaces as an APIError (create iteration and responses.stream)', async () => {
    const stream = await client().responses.create({ model: 'my-route', input: 'please fail', stream: true });
    let text = '';
    const iterate = async (): Promise<void> => {
      for await (const ev of stream) if (ev.type === 'response.output_text.delta') text += ev.delta;
    };
    const err = await iterate().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).message).toContain('The upstream stream was interrupted.');
    expect((err as APIError).code).toBe('upstream_stream_interrupted');
    expect(text).toBe('Partial');
    const helper = client().responses.stream({ model: 'my-route', input: 'please fail' });
    await expect(helper.finalResponse()).rejects.toThrow('The upstream stream was interrupted.');
  });

  it('a refused request comes back as a 400 the SDK raises (built-in tool)', async () => {
    const err = await client().responses.create({ model: 'my-route', input: 'hi', tools: [{ type: 'web_search' }] }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).message).toContain('only available when the route\'s target is OpenAI itself');
  });
});

describe('Vercel ai with @ai-sdk/openai (Responses API) against the encoded wire format', () => {
  const model = (): ReturnType<ReturnType<typeof createOpenAI>['responses']> => createOpenAI({ baseURL, apiKey: 'sk-test' }).responses('my-route');
  const weather = tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string() }) });

  it('generateText: text and usage', async () => {
    const r = await generateText({ model: model(), prompt: 'Say hello', maxRetries: 0 });
    expect(r.text).toBe('Hello from the gateway.');
    expect(r.usage.inputTokens).toBe(40);
    expect(r.usage.outputTokens).toBe(9);
    expect(r.usage.inputTokenDetails.cacheReadTokens).toBe(16);
    expect(r.finishReason).toBe('stop');
  });

  it('generateText: a tool call', async () => {
    const r = await generateText({ model: model(), prompt: 'What is the weather in Paris?', tools: { get_weather: weather }, maxRetries: 0 });
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0]).toMatchObject({ toolName: 'get_weather', toolCallId: 'call_w1', input: { city: 'Paris' } });
    expect(r.finishReason).toBe('tool-calls');
  });

  it('generateText with a tool that runs: the second step decodes (store: false, since the gateway keeps no items)', async () => {
    const r = await generateText({
      model: model(),
      prompt: 'What is the weather in Paris?',
      tools: { get_weather: tool({ ...weather, execute: async ({ city }) => `18C in ${city}` }) },
      stopWhen: stepCountIs(2),
      providerOptions: { openai: { store: false } },
      maxRetries: 0,
    });
    expect(r.text).toBe('It is 18C in Paris.');
    expect(r.steps).toHaveLength(2);
    const decoded = seen.at(-1);
    expect(decoded?.messages.at(-1)?.content).toEqual([{ type: 'tool_result', toolUseId: 'call_w1', content: [{ type: 'text', text: '18C in Paris' }] }]);
  });

  it('with the SDK\'s default store (true) the second step refers to stored items: a clear 400', async () => {
    const err = await generateText({
      model: model(),
      prompt: 'What is the weather in Paris?',
      tools: { get_weather: tool({ ...weather, execute: async ({ city }) => `18C in ${city}` }) },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    }).then(() => null, (e: unknown) => e);
    expect(String((err as Error | null)?.message)).toContain('item_reference');
    expect(rawBodies.at(-1)?.input).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'item_reference' })]));
  });

  it('streamText: text, a tool call and usage', async () => {
    const r = streamText({ model: model(), prompt: 'What is the weather in Paris?', tools: { get_weather: weather }, maxRetries: 0 });
    let text = '';
    for await (const delta of r.textStream) text += delta;
    expect(text).toBe('Checking.');
    const calls = await r.toolCalls;
    expect(calls[0]).toMatchObject({ toolName: 'get_weather', toolCallId: 'call_w1', input: { city: 'Paris' } });
    const usage = await r.usage;
    expect(usage.inputTokens).toBe(40);
    expect(usage.outputTokens).toBe(9);
    expect(await r.finishReason).toBe('tool-calls');
  });

  it('streamText: an error mid-stream reaches onError and the full stream', async () => {
    const errors: unknown[] = [];
    const r = streamText({ model: model(), prompt: 'please fail', maxRetries: 0, onError: ({ error }) => { errors.push(error); } });
    const parts: string[] = [];
    for await (const part of r.fullStream) parts.push(part.type);
    expect(parts).toContain('error');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('upstream_stream_interrupted');
  });
});
