// Graceful drain (issue 11 point 6, catalogue D8) on the real data plane: close() stops accepting, a stream that
// ends within the drain timeout completes with its success terminator, one that outlives it ends with the dialect's
// terminal error event (shutting_down; never a silent close, never [DONE]), a request still waiting for its
// upstream gets 503 shutting_down, and the upstream calls are cancelled.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataPlaneParts, serveDataPlane } from '../../pkg/serve/dataplane.ts';
import type { RunningDataPlane } from '../../pkg/serve/dataplane.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, compileTable, provider, route } from '../proxy/harness.ts';

const DRAIN_MS = 1500;
let up: FakeOpenAI;
let dp: RunningDataPlane;
const lines: string[] = [];

beforeAll(async () => {
  up = await startFakeOpenAI();
  const destination = new Writable({ write(c, _e, cb) { lines.push(...String(c).split('\n').filter(Boolean)); cb(); } });
  const logger = createLogger({ level: 'info', destination });
  const parts = createDataPlaneParts(logger, 'open');
  parts.holder.load(compileTable([
    ...provider('up', up.url),
    route('short', { model: 'short', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'slow-chunks-100' }] }),
    route('long', { model: 'long', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'long' }] }),
    route('hang', { model: 'hang', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'hang' }] }),
  ]));
  up.setBehavior((r) => {
    const model = (r.body as { model?: string }).model;
    // 40 chunks 250 ms apart: about 10 s, far beyond the drain timeout.
    if (model === 'long') return { chunkDelayMs: 250, content: Array.from({ length: 40 }, (_, i) => `w${i} `) };
    return undefined;
  });
  dp = await serveDataPlane(parts, { dataPort: 0, adminPort: 0, host: '127.0.0.1', logger, env: {}, drainTimeoutMs: DRAIN_MS });
});

afterAll(async () => {
  await dp.close();
  await up.close();
});

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${dp.data.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('drain on shutdown (D8)', () => {
  it('finishes a stream within the grace, ends longer ones with a terminal error event and waiting ones with 503', async () => {
    const short = await post('/v1/chat/completions', { ...CHAT, model: 'short', stream: true });
    const longChat = await post('/v1/chat/completions', { ...CHAT, model: 'long', stream: true });
    const longMessages = await post('/v1/messages', { model: 'long', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const waiting = post('/v1/chat/completions', { ...CHAT, model: 'hang' });
    await until(() => up.requests.length === 4);
    expect([short.status, longChat.status, longMessages.status]).toEqual([200, 200, 200]);
    const texts = Promise.all([short.text(), longChat.text(), longMessages.text()]);

    const t0 = performance.now();
    const closed = dp.close();
    // New connections are refused once the drain has begun.
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${dp.data.url}/v1/models`)).rejects.toThrow();

    const [shortText, chatText, messagesText] = await texts;
    const hung = await waiting;
    await closed;
    const took = performance.now() - t0;

    expect(shortText).toContain('[DONE]');
    expect(shortText).not.toContain('shutting_down');

    expect(chatText).toContain('w0 ');
    expect(chatText).toContain('shutting_down');
    expect(chatText).not.toContain('[DONE]');
    expect(chatText).not.toContain('w39');

    expect(messagesText).toContain('event: error');
    expect(messagesText).toContain('overloaded_error');
    expect(messagesText).not.toContain('message_stop');

    expect(hung.status).toBe(503);
    expect(hung.headers.get('retry-after')).toBe('1');
    expect(((await hung.json()) as { error: { code: string } }).error.code).toBe('shutting_down');

    expect(took).toBeGreaterThanOrEqual(DRAIN_MS - 50);
    expect(took).toBeLessThan(DRAIN_MS + 3000);
    await until(() => up.aborted >= 3);
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    expect(access.filter((l) => l.code === 'shutting_down')).toHaveLength(3);
  });
});
