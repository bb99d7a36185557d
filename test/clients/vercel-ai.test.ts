// Vercel `ai` against the gateway over loopback (maxRetries 0), with @ai-sdk/anthropic (Messages API) and
// @ai-sdk/openai (its default model factory is the Responses API; `.chat(model)` is Chat Completions):
// generateText, streamText and a tool that runs (two steps), against both upstream families. For the Responses API
// the second step needs providerOptions.openai.store = false: with store on, the SDK refers to the first step's output
// items that carry an id (item_reference) — only OpenAI can resolve those, and the gateway stores nothing (README;
// test/dialects/openai-responses-sdk.test.ts shows the 400 without it).
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import type { LanguageModel } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KEY, MODELS, startWorld } from '../support/gateway-world.ts';
import type { World } from '../support/gateway-world.ts';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => w.close());
afterEach(() => w.reset());

const weather = tool({
  description: 'Weather for a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `18C in ${city}`,
});

type Factory = () => LanguageModel;
const anthropic = (model: string): Factory => () => createAnthropic({ baseURL: `${w.gw.origin}/v1`, apiKey: KEY })(model);
const responses = (model: string): Factory => () => createOpenAI({ baseURL: w.gw.baseURL, apiKey: KEY })(model);
const chat = (model: string): Factory => () => createOpenAI({ baseURL: w.gw.baseURL, apiKey: KEY }).chat(model);

const CASES: readonly [string, Factory][] = [
  ['@ai-sdk/anthropic → Anthropic upstream (native)', anthropic(MODELS.anthropic)],
  ['@ai-sdk/anthropic → OpenAI-shaped upstream (translated)', anthropic(MODELS.openaiCompat)],
  ['@ai-sdk/openai Responses → Anthropic upstream (translated)', responses(MODELS.anthropic)],
  ['@ai-sdk/openai Responses → openai-compatible upstream (translated)', responses(MODELS.openaiCompat)],
  ['@ai-sdk/openai .chat → Anthropic upstream (translated)', chat(MODELS.anthropic)],
  ['@ai-sdk/openai .chat → OpenAI-shaped upstream', chat(MODELS.openaiCompat)],
];

/** Responses API steps after a tool call must not reference stored items. */
const providerOptions = { openai: { store: false } };

describe.each(CASES)('Vercel ai: %s', (_name, model) => {
  it('generateText: the echo and usage', async () => {
    const r = await generateText({ model: model(), prompt: 'hello vercel', maxRetries: 0, providerOptions });
    expect(r.text).toBe('Echo: hello vercel');
    expect(r.finishReason).toBe('stop');
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
  });

  it('streamText: the text stream joins to the echo; usage at the end', async () => {
    const r = streamText({ model: model(), prompt: 'stream vercel', maxRetries: 0, providerOptions });
    let text = '';
    for await (const t of r.textStream) text += t;
    expect(text).toBe('Echo: stream vercel');
    expect((await r.usage).outputTokens).toBeGreaterThan(0);
  });

  it('a tool with execute: two steps, the tool result reaches the model and the answer uses it', async () => {
    const r = await generateText({ model: model(), prompt: 'Use the tool for Paris', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0, providerOptions });
    expect(r.steps[0]?.toolCalls.map((c) => c.toolName)).toEqual(['get_weather']);
    expect(r.steps[0]?.toolResults.map((t) => t.output)).toEqual(['18C in Paris']);
    expect(r.text).toMatch(/^Echo: tool result: .*18C in Paris/);
  });

  it('streamText with a tool: the call streams and the second step answers', async () => {
    const r = streamText({ model: model(), prompt: 'Use the tool for Paris', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0, providerOptions });
    const parts: string[] = [];
    for await (const p of r.fullStream) parts.push(p.type);
    expect(parts).toContain('tool-call');
    expect(parts).toContain('tool-result');
    expect(await r.text).toMatch(/18C in Paris/);
  });
});

describe('Vercel ai: @ai-sdk/openai Responses → openai Provider (passthrough)', () => {
  it('generateText and streamText read the upstream\'s Responses API answer', async () => {
    const r = await generateText({ model: responses(MODELS.openai)(), prompt: 'hello passthrough', maxRetries: 0 });
    expect(r.text).toBe('Echo: hello passthrough');
    const s = streamText({ model: responses(MODELS.openai)(), prompt: 'stream passthrough', maxRetries: 0 });
    let text = '';
    for await (const t of s.textStream) text += t;
    expect(text).toBe('Echo: stream passthrough');
    expect(w.oa.requests.map((q) => q.path)).toEqual(['/v1/responses', '/v1/responses']);
  });
});
