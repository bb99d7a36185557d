// Tracing: one server span per inference request with GenAI attributes, one client span per upstream attempt.
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let up: FakeOpenAI;
let gw: Gateway;
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('a', up.url),
    ...provider('b', up.url),
    route('m', { model: 'm', strategy: 'priority', retry: { attempts: 1 }, targets: [{ provider: 'a', model: 'status-503', priority: 0 }, { provider: 'b', model: 'gpt-4o-mini', priority: 1 }] }),
  ], { auth: 'open', tracer: tracerProvider.getTracer('test') });
});

afterAll(async () => {
  await gw.close();
  await up.close();
  await tracerProvider.shutdown();
});

describe('tracing', () => {
  it('a request span with GenAI attributes and one child span per attempt', async () => {
    exporter.reset();
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'm' });
    expect(res.status).toBe(200);
    await res.text();
    await new Promise((r) => setTimeout(r, 50));
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'chat m');
    expect(root?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'm',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.provider.name': 'openai-compatible',
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 3,
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
    });
    const children = spans.filter((s) => s.parentSpanContext?.spanId === root?.spanContext().spanId);
    expect(children.map((s) => s.name)).toEqual(['chat status-503', 'chat gpt-4o-mini']);
    expect(children[0]?.attributes).toMatchObject({ 'error.type': 'server', 'http.response.status_code': 503 });
    expect(children[1]?.attributes['error.type']).toBeUndefined();
  });

  it('an error request records error.type', async () => {
    exporter.reset();
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'unknown-model' });
    expect(res.status).toBe(404);
    await new Promise((r) => setTimeout(r, 50));
    const root = exporter.getFinishedSpans().find((s) => s.name === 'chat unknown-model');
    expect(root?.attributes).toMatchObject({ 'error.type': 'model_not_found', 'http.response.status_code': 404 });
  });
});
