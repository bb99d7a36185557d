// The cross-provider matrix, Vercel `ai`: for every served provider type (test/support/provider-matrix.ts) through one
// gateway on loopback, with each of the three model factories the SDK offers a gateway — @ai-sdk/openai `.chat`
// (Chat Completions), @ai-sdk/openai's default (the Responses API; store off, see test/clients/vercel-ai.test.ts) and
// @ai-sdk/anthropic (Messages) — generateText, streamText and a tool that runs (two steps). One assertion set per cell.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import type { LanguageModel } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';
import { MATRIX_KEY, MATRIX_KITS, startProviderMatrix } from '../support/provider-matrix.ts';
import type { ProviderMatrix } from '../support/provider-matrix.ts';

import { onlyIf } from '../support/only-if.ts';

let m: ProviderMatrix;
let gw: Gateway;

beforeAll(async () => {
  m = await startProviderMatrix();
  gw = await startGateway(m.manifests);
});
afterEach(() => m.reset());
afterAll(async () => {
  await gw.close();
  await m.close();
});

const FACTORIES: readonly { readonly client: string; make(model: string): LanguageModel }[] = [
  { client: '@ai-sdk/openai .chat', make: (model) => createOpenAI({ baseURL: gw.baseURL, apiKey: MATRIX_KEY }).chat(model) },
  { client: '@ai-sdk/openai Responses', make: (model) => createOpenAI({ baseURL: gw.baseURL, apiKey: MATRIX_KEY })(model) },
  { client: '@ai-sdk/anthropic', make: (model) => createAnthropic({ baseURL: `${gw.origin}/v1`, apiKey: MATRIX_KEY })(model) },
];

const CELLS = MATRIX_KITS.flatMap((k) => FACTORIES.map((f) => ({ ...k, ...f })));

/**
 * Types that pass the Responses API through to the upstream as is (openai, azure-openai): a tool round trip there is
 * the upstream's own, and the fake OpenAI's /v1/responses answers text only (test/support/fake-openai-apis.ts).
 */
const RESPONSES_PASSTHROUGH = new Set(['openai', 'azure-openai']);

/** Responses API steps after a tool call must not reference stored items. */
const providerOptions = { openai: { store: false } };

const weather = tool({
  description: 'Weather for a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `18C in ${city}`,
});

describe.each(CELLS)('$name via $client', ({ name, client, model, make }) => {
  it('generateText: the echo, stop, usage', async () => {
    const before = m.kit(model).requests();
    const r = await generateText({ model: make(model), prompt: 'hello vercel', maxRetries: 0, providerOptions });
    expect(r.text).toBe('Echo: hello vercel');
    expect(r.finishReason).toBe('stop');
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
    expect(m.kit(model).requests()).toBe(before + 1);
  });

  it('streamText: the text stream joins to the echo; usage at the end', async () => {
    const r = streamText({ model: make(model), prompt: 'stream vercel', maxRetries: 0, providerOptions });
    let text = '';
    for await (const t of r.textStream) text += t;
    expect(text).toBe('Echo: stream vercel');
    expect(await r.finishReason).toBe('stop');
    expect((await r.usage).outputTokens).toBeGreaterThan(0);
  });

  onlyIf(!(client === '@ai-sdk/openai Responses' && RESPONSES_PASSTHROUGH.has(name)))('a tool that runs: the call, its result back to the model, the answer using it', async () => {
    const r = await generateText({ model: make(model), prompt: 'Use the tool for Paris', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0, providerOptions });
    expect(r.steps[0]?.toolCalls.map((c) => [c.toolName, c.input])).toEqual([['get_weather', { city: 'Paris' }]]);
    expect(r.steps[0]?.toolResults.map((t) => t.output)).toEqual(['18C in Paris']);
    expect(r.text).toMatch(/^Echo: tool result: .*18C in Paris/);
  });
});
