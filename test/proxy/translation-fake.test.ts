// The built-in fake provider serves every client API: chat and embeddings natively, Anthropic Messages, the
// Responses API and legacy completions through the canonical form (stream and non-stream).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, postJson, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway([
    { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'fake', namespace: NS }, spec: { type: 'fake', fake: { outputTokens: 4 } } },
    route('demo', { model: 'demo', targets: [{ provider: 'fake', model: 'fake-1' }] }),
  ], { auth: 'open' });
});

afterAll(async () => {
  await gw.close();
});

const PROMPT = 'one two three four';

describe('fake provider × every client API', () => {
  it('Anthropic Messages, non-stream and stream', async () => {
    const body = { model: 'demo', max_tokens: 50, messages: [{ role: 'user', content: PROMPT }] };
    const res = await postJson(`${gw.origin}/v1/messages`, body, { 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    const msg = await res.json() as { type: string; content: { text: string }[]; usage: { output_tokens: number } };
    expect(msg.type).toBe('message');
    expect(msg.content[0]?.text).toBe(PROMPT);
    expect(msg.usage.output_tokens).toBe(4);
    const s = await postJson(`${gw.origin}/v1/messages`, { ...body, stream: true }, { 'anthropic-version': '2023-06-01' });
    const text = await s.text();
    expect(text.startsWith('event: message_start')).toBe(true);
    expect(text.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);
  });

  it('Responses API, non-stream and stream', async () => {
    const res = await postJson(`${gw.baseURL}/responses`, { model: 'demo', input: PROMPT });
    expect(res.status).toBe(200);
    const r = await res.json() as { object: string; status: string; output_text?: string; output: { content?: { text: string }[] }[] };
    expect(r.object).toBe('response');
    expect(r.status).toBe('completed');
    expect(JSON.stringify(r.output)).toContain(PROMPT);
    const s = await postJson(`${gw.baseURL}/responses`, { model: 'demo', input: PROMPT, stream: true });
    const text = await s.text();
    expect(text).toContain('event: response.created');
    expect(text).toContain('event: response.output_text.delta');
    expect(text).toContain('event: response.completed');
  });

  it('legacy completions, non-stream and stream', async () => {
    const res = await postJson(`${gw.baseURL}/completions`, { model: 'demo', prompt: PROMPT, max_tokens: 4 });
    expect(res.status).toBe(200);
    const c = await res.json() as { object: string; choices: { text: string }[] };
    expect(c.object).toBe('text_completion');
    expect(c.choices[0]?.text).toBe(PROMPT);
    const s = await postJson(`${gw.baseURL}/completions`, { model: 'demo', prompt: PROMPT, max_tokens: 4, stream: true });
    const text = await s.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});
