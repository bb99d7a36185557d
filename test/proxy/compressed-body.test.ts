// Compressed request bodies (issue 6, point 7): gzip / deflate / br decoded under the body limit applied to the
// DECODED bytes, corrupt data 400, other codings 415; the upstream gets plain JSON without the client's coding.
import { Readable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEncodedBody } from '../../pkg/proxy/body/decode.ts';
import type { GatewayError } from '../../pkg/errors/errors.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

const LIMIT = 64 * 1024;
let up: FakeOpenAI;
let gw: Gateway;

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('up', up.url),
    route('mini', { model: 'gpt-4o-mini', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }),
  ], { auth: 'open', options: { maxBodyBytes: LIMIT } });
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

function chatJson(padding = 0): Buffer {
  return Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi${' '.repeat(padding)}` }] }));
}

async function post(body: Buffer, encoding?: string): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(encoding === undefined ? {} : { 'content-encoding': encoding }) },
    body,
  });
  return { status: res.status, json: await res.json() as { error?: { code: string; message: string } } };
}

describe('Content-Encoding on request bodies', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
    ['identity', (b: Buffer) => b],
    ['GZIP', gzipSync],
    ['identity, gzip', gzipSync],
  ] as const)('%s is decoded and forwarded upstream as plain JSON', async (encoding, encode) => {
    up.requests.length = 0;
    const { status } = await post(encode(chatJson()), encoding);
    expect(status).toBe(200);
    const sent = up.requests[0];
    expect(sent?.headers['content-encoding']).toBeUndefined();
    expect(sent?.body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('applies the body limit to the decoded bytes: just under passes, just over is 413', async () => {
    const under = chatJson(LIMIT - 200);
    const over = chatJson(LIMIT + 10);
    expect(gzipSync(over).length).toBeLessThan(2048); // small on the wire, over the limit once decoded
    expect((await post(gzipSync(under), 'gzip')).status).toBe(200);
    const r = await post(gzipSync(over), 'gzip');
    expect(r.status).toBe(413);
    expect(r.json.error?.code).toBe('request_too_large');
  });

  it('a decompression bomb (10 MB of zeros in ~10 KB of gzip) is refused with 413', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(20 * 1024);
    const r = await post(bomb, 'gzip');
    expect(r.status).toBe(413);
    expect(r.json.error?.code).toBe('request_too_large');
  });

  it('corrupt or truncated compressed data is 400 with a clear message', async () => {
    const corrupt = gzipSync(chatJson());
    corrupt.fill(0x41, 12, 30);
    const r = await post(corrupt, 'gzip');
    expect(r.status).toBe(400);
    expect(r.json.error?.message).toBe('The request body is not valid gzip data.');
    const cut = gzipSync(chatJson(500)).subarray(0, 40);
    expect((await post(cut, 'gzip')).json.error?.message).toBe('The request body is not valid gzip data.');
    expect((await post(chatJson(), 'br')).status).toBe(400);
  });

  it.each(['zstd', 'compress', 'gzip, br', 'br, gzip, identity'])('%s is 415 unsupported_content_encoding', async (encoding) => {
    const r = await post(gzipSync(chatJson()), encoding);
    expect(r.status).toBe(415);
    expect(r.json.error?.code).toBe('unsupported_content_encoding');
    expect(r.json.error?.message).toMatch(/not supported: send one of gzip, deflate, br or identity/);
  });

  it('names the unsupported coding only when it is a plain token', async () => {
    expect((await post(chatJson(), 'zstd')).json.error?.message).toContain('"zstd"');
    expect((await post(chatJson(), 'a<b>')).json.error?.message).toBe('Content-Encoding is not supported: send one of gzip, deflate, br or identity.');
  });
});

describe('readEncodedBody', () => {
  it('stops reading and inflating as soon as the decoded size passes the limit', async () => {
    // 400 concatenated gzip members of 1 MiB of zeros each (gunzip reads them all): ~400 KB in, 400 MiB out.
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const chunks = Array.from({ length: 400 }, () => member);
    let pulled = 0;
    const raw = new Readable({
      highWaterMark: member.length,
      read() {
        this.push(pulled < chunks.length ? chunks[pulled++] : null);
      },
    });
    const err = await new Promise<GatewayError | null>((resolve) => readEncodedBody(raw, undefined, 'gzip', 1024 * 1024, (e) => resolve(e)));
    expect(err?.code).toBe('request_too_large');
    const atLimit = pulled;
    await new Promise((r) => setTimeout(r, 100));
    // Only what the stream buffers (the decoder's 64 KiB input buffer) was read, and nothing more after the 413.
    expect(atLimit).toBeLessThan(chunks.length / 4);
    expect(pulled).toBeLessThanOrEqual(atLimit + 1);
    expect(raw.isPaused()).toBe(true);
  });
});
