// The fake Gemini upstream speaks the wire format the official @google/genai SDK expects (httpOptions.baseUrl at it).
import { ApiError, FinishReason, GoogleGenAI } from '@google/genai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGemini } from '../support/fake-gemini-server.ts';
import type { FakeGemini } from '../support/fake-gemini-server.ts';

let up: FakeGemini;
let ai: GoogleGenAI;
beforeAll(async () => {
  up = await startFakeGemini();
  ai = new GoogleGenAI({ apiKey: up.apiKey, httpOptions: { baseUrl: up.origin } });
});
afterEach(() => {
  up.setFault(undefined);
  up.requests.length = 0;
});
afterAll(() => up.close());

const weather = { name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof ApiError) return e;
  throw new Error(`expected an ApiError, got ${String(e)}`);
}

describe('fake Gemini upstream, checked with @google/genai', () => {
  it('generateContent: the echo, STOP, usage, response id; the key arrives in x-goog-api-key', async () => {
    const r = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hi', config: { systemInstruction: 'Be brief.', temperature: 0.2, maxOutputTokens: 50 } });
    expect(r.text).toBe('Echo: Say hi');
    expect(r.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(r.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    expect(r.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
    expect(r.responseId).toMatch(/^fake-resp-/);
    const rec = up.requests.at(-1);
    expect(rec?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(rec?.headers['x-goog-api-key']).toBe(up.apiKey);
    expect(rec?.body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { temperature: 0.2, maxOutputTokens: 50 } });
  });

  it('generateContentStream: alt=sse, chunks join to the echo, the last carries finishReason and full usage', async () => {
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Count to three please' });
    let text = '';
    const chunks = [];
    for await (const c of stream) {
      chunks.push(c);
      text += c.text ?? '';
    }
    expect(text).toBe('Echo: Count to three please');
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(chunks.at(-1)?.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
    expect(chunks[0]?.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    expect(up.requests.at(-1)?.query.get('alt')).toBe('sse');
  });

  it('function calling: a functionCall with a thought signature, then the function response answered', async () => {
    const config = { tools: [{ functionDeclarations: [weather] }] };
    const first = await ai.models.generateContent({ model: 'gemini-3-flash-preview', contents: 'Use the tool for Paris', config });
    expect(first.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    const call = first.candidates?.[0]?.content;
    expect(call?.parts?.[0]?.thoughtSignature).toBeTruthy();
    const second = await ai.models.generateContent({
      model: 'gemini-3-flash-preview',
      contents: [
        { role: 'user', parts: [{ text: 'Use the tool for Paris' }] },
        call!,
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }] },
      ],
      config,
    });
    expect(second.text).toBe('Echo: tool result: sunny');
  });

  it('Gemini 3 refuses a history whose function call lost its thought signature (400 INVALID_ARGUMENT)', async () => {
    const err = await apiError(ai.models.generateContent({
      model: 'gemini-3-flash-preview',
      contents: [
        { role: 'user', parts: [{ text: 'Use the tool' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }] },
      ],
      config: { tools: [{ functionDeclarations: [weather] }] },
    }));
    expect(err.status).toBe(400);
    expect(err.message).toContain('thought_signature');
  });

  it('thinking: a thought part first when includeThoughts, counted in thoughtsTokenCount', async () => {
    const r = await ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'Why?', config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } } });
    expect(r.candidates?.[0]?.content?.parts?.[0]).toMatchObject({ thought: true, text: 'The user wrote: Why?' });
    expect(r.text).toBe('Echo: Why?');
    expect(r.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
  });

  it('JSON mode with responseJsonSchema answers JSON of the schema', async () => {
    const r = await ai.models.generateContent({
      model: 'gemini-2.5-flash', contents: 'city?',
      config: { responseMimeType: 'application/json', responseJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } },
    });
    expect(JSON.parse(r.text ?? '')).toEqual({ city: 'Paris' });
  });

  it('embedContent: batchEmbedContents with one vector per content, outputDimensionality applied', async () => {
    const r = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['first text', 'second text'], config: { outputDimensionality: 4, taskType: 'RETRIEVAL_QUERY' } });
    expect(r.embeddings).toHaveLength(2);
    expect(r.embeddings?.[0]?.values).toHaveLength(4);
    expect(r.embeddings?.[0]?.values).not.toEqual(r.embeddings?.[1]?.values);
    const rec = up.requests.at(-1);
    expect(rec?.action).toBe('batchEmbedContents');
    expect(rec?.body).toMatchObject({ requests: [{ model: 'models/gemini-embedding-001', taskType: 'RETRIEVAL_QUERY', outputDimensionality: 4 }, {}] });
  });

  it('errors: a wrong key is 400 API_KEY_INVALID; 429 RESOURCE_EXHAUSTED carries RetryInfo', async () => {
    const bad = new GoogleGenAI({ apiKey: 'AIzaWrongKey', httpOptions: { baseUrl: up.origin } });
    const authErr = await apiError(bad.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }));
    expect(authErr.status).toBe(400);
    expect(authErr.message).toContain('API_KEY_INVALID');
    up.setFault({ status: 429, retryDelay: '17s', message: 'You exceeded your current quota.' });
    const rl = await apiError(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }));
    expect(rl.status).toBe(429);
    expect(rl.message).toContain('RESOURCE_EXHAUSTED');
    expect(rl.message).toContain('"retryDelay":"17s"');
  });

  it('safety: a blocked prompt has promptFeedback.blockReason and no candidates; a SAFETY stop has no text', async () => {
    up.setFault({ blockReason: 'PROHIBITED_CONTENT' });
    const blocked = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
    expect(blocked.promptFeedback?.blockReason).toBe('PROHIBITED_CONTENT');
    expect(blocked.candidates).toBeUndefined();
    up.setFault({ finishReason: 'SAFETY' });
    const stopped = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
    expect(stopped.candidates?.[0]?.finishReason).toBe(FinishReason.SAFETY);
    expect(stopped.text).toBeUndefined();
  });

  it('an in-band error event in the stream fails the SDK stream', async () => {
    up.setFault({ errorBeforeContent: true });
    const err = await (async () => {
      const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'x' });
      for await (const c of stream) void c;
    })().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(/overloaded|UNAVAILABLE|503/);
  });
});
