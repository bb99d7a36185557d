// Catalogue A: malformed or hostile client input (A1, A2, A4, A5, A6, A7, A13, A14, A16).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';
import { errorCode, rawRequest } from './raw-http.ts';

const LIMIT = 64 * 1024;
let up: FakeOpenAI;
let gw: Gateway;
let port: number;
let url: string;

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('up', up.url),
    route('m', { model: 'm', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }),
    route('emb', { model: 'emb', targets: [{ provider: 'up', model: 'text-embedding-3-small' }] }),
  ], { auth: 'open', options: { maxBodyBytes: LIMIT } });
  port = Number(new URL(gw.origin).port);
  url = `${gw.baseURL}/chat/completions`;
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

afterEach(() => {
  up.requests.length = 0;
});

async function expectError(res: Response, status: number, code: string, param?: string | null): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  const body = (await res.json()) as { error: { code: string; param: string | null; type: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  if (param !== undefined) expect(body.error.param).toBe(param);
}

const HEAD = (extra: string): string => `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${extra}\r\n`;

describe('A1/A2 body size and framing', () => {
  it('A1 honest Content-Length over the limit → 413 before any body byte is sent, connection closed', async () => {
    const r = await rawRequest(port, HEAD(`content-length: ${100 * 1024 * 1024}\r\n`), { waitMs: 1000 });
    expect(r.status).toBe(413);
    expect(errorCode(r.body)).toBe('request_too_large');
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(r.closed).toBe(true);
  });

  it('A1 body over the limit sent in full → 413', async () => {
    const res = await postJson(url, { ...CHAT, model: 'm', pad: 'x'.repeat(LIMIT) });
    await expectError(res, 413, 'request_too_large');
    expect(up.requests).toHaveLength(0);
  });

  it('A2 chunked body growing past the limit → 413 while still streaming, connection closed', async () => {
    const piece = 'x'.repeat(8192);
    const chunk = `${piece.length.toString(16)}\r\n${piece}\r\n`;
    let sent = 0;
    const r = await rawRequest(port, HEAD('transfer-encoding: chunked\r\n'), {
      more: (i) => {
        if (i >= 200) return null; // 1.6 MB: far past the limit; the server must have answered long before
        sent = i + 1;
        return chunk;
      },
      gapMs: 2,
      waitMs: 1000,
    });
    expect(r.status).toBe(413);
    expect(errorCode(r.body)).toBe('request_too_large');
    expect(r.closed).toBe(true);
    expect(sent).toBeLessThan(200);
  });

  it.each([
    ['Content-Length: abc', 'content-length: abc\r\n'],
    ['negative Content-Length', 'content-length: -5\r\n'],
    ['duplicate Content-Length with different values', 'content-length: 5\r\ncontent-length: 6\r\n'],
    ['Content-Length plus Transfer-Encoding', 'content-length: 5\r\ntransfer-encoding: chunked\r\n'],
    ['obfuscated Transfer-Encoding', 'transfer-encoding: xchunked\r\n'],
  ])('A2 %s → 400 envelope, connection closed', async (_name, extra) => {
    const r = await rawRequest(port, `${HEAD(extra)}{"a":1}`, { waitMs: 1000 });
    expect(r.status).toBe(400);
    expect(errorCode(r.body)).toBe('bad_request');
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(r.closed).toBe(true);
    expect(up.requests).toHaveLength(0);
  });
});

describe('A4 nesting depth', () => {
  it('A4 JSON nested 10,000 levels (arrays and objects) → 400 json_too_deep, fast', async () => {
    for (const deep of ['['.repeat(10_000) + ']'.repeat(10_000), '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)]) {
      const t0 = performance.now();
      const res = await postJson(url, `{"model":"m","messages":[],"x":${deep}}`);
      expect(performance.now() - t0).toBeLessThan(500);
      await expectError(res, 400, 'json_too_deep');
    }
  });

  it('A4 depth 64 is accepted, 65 is not', async () => {
    const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    const ok = await postJson(url, `{"model":"m","messages":[{"role":"user","content":"hi"}],"x":${nest(63)}}`);
    expect(ok.status).toBe(200);
    const tooDeep = await postJson(url, `{"model":"m","messages":[{"role":"user","content":"hi"}],"x":${nest(64)}}`);
    await expectError(tooDeep, 400, 'json_too_deep');
  });

  it('A4 brackets inside strings do not count', async () => {
    const res = await postJson(url, { ...CHAT, model: 'm', note: '['.repeat(1000) + '\\"{{{' });
    expect(res.status).toBe(200);
  });
});

describe('A5 UTF-8', () => {
  const send = (bytes: Buffer): Promise<Response> => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
  const wrap = (inner: Buffer): Buffer => Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"'), inner, Buffer.from('"}]}')]);

  it.each([
    ['invalid byte 0xff', Buffer.from([0xff])],
    ['overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ['UTF-8-encoded lone surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['truncated sequence', Buffer.from([0xe2, 0x82])],
  ])('A5 %s → 400 invalid_utf8', async (_n, inner) => {
    await expectError(await send(wrap(inner)), 400, 'invalid_utf8');
    expect(up.requests).toHaveLength(0);
  });

  it('A5 lone surrogate as a JSON escape → 400 invalid_utf8 with param', async () => {
    await expectError(await send(wrap(Buffer.from('\\ud800'))), 400, 'invalid_utf8', 'messages[0].content');
  });

  it('A5 a valid surrogate pair escape and real multi-byte text pass unchanged', async () => {
    const res = await send(wrap(Buffer.from('\\ud83d\\ude00 héllo ✓')));
    expect(res.status).toBe(200);
    const fwd = up.requests.at(-1)?.body as { messages: { content: string }[] };
    expect(fwd.messages[0]?.content).toBe('😀 héllo ✓');
  });
});

describe('A6 prototype poisoning', () => {
  it.each([
    ['__proto__ at the top', '{"model":"m","messages":[],"__proto__":{"admin":true}}', '__proto__'],
    ['__proto__ nested', '{"model":"m","messages":[{"role":"user","content":"x","__proto__":{"admin":true}}]}', 'messages[0].__proto__'],
    ['escaped __proto__', '{"model":"m","messages":[],"\\u005f_proto__":{"admin":true}}', '__proto__'],
    ['constructor.prototype', '{"model":"m","messages":[],"a":{"constructor":{"prototype":{"admin":true}}}}', 'a.constructor'],
  ])('A6 %s → 400', async (_n, body, param) => {
    await expectError(await postJson(url, body), 400, 'banned_param', param);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(up.requests).toHaveLength(0);
  });
});

describe('A7 content types', () => {
  const body = JSON.stringify({ ...CHAT, model: 'm' });
  const withType = (ct: string | null): Promise<Response> =>
    fetch(url, { method: 'POST', headers: ct === null ? {} : { 'content-type': ct }, body: ct === null ? new Blob([body]) : body });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/json-patch+json', 'multipart/form-data; boundary=x'])(
    'A7 %s → 415',
    async (ct) => {
      await expectError(await withType(ct), 415, 'unsupported_media_type');
    },
  );

  it('A7 missing Content-Type → 415', async () => {
    const r = await rawRequest(port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    expect(r.status).toBe(415);
    expect(errorCode(r.body)).toBe('unsupported_media_type');
  });

  it.each(['application/json', 'APPLICATION/JSON', 'application/json; charset=utf-8', 'Application/Json;charset=UTF-8;x=y'])('A7 %s → parsed', async (ct) => {
    expect((await withType(ct)).status).toBe(200);
  });

  it('A7 "application/json\\t;x" is parsed by the same parser validation uses: never skipped', async () => {
    const r = await rawRequest(port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\t;x\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n${body}`, { waitMs: 1000 });
    expect(r.status).toBe(200);
    const bad = '{"model":"m","messages":"nope"}';
    const r2 = await rawRequest(port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\t;x\r\nconnection: close\r\ncontent-length: ${bad.length}\r\n\r\n${bad}`, { waitMs: 1000 });
    expect(r2.status).toBe(400);
    expect(errorCode(r2.body)).toBe('invalid_request');
  });
});

describe('A13 field types, unknown fields, duplicate keys', () => {
  it.each([
    ['stream: "yes"', { ...CHAT, model: 'm', stream: 'yes' }, 'stream'],
    ['model: 123', { ...CHAT, model: 123 }, 'model'],
    ['model missing', { ...CHAT }, 'model'],
    ['messages missing', { model: 'm' }, 'messages'],
    ['messages not an array', { model: 'm', messages: 'hi' }, 'messages'],
    ['stream_options not an object', { ...CHAT, model: 'm', stream: true, stream_options: 'x' }, 'stream_options'],
    ['stream_options.include_usage not a boolean', { ...CHAT, model: 'm', stream: true, stream_options: { include_usage: 'yes' } }, 'stream_options.include_usage'],
  ])('A13 %s → 400 invalid_request with param', async (_n, body, param) => {
    await expectError(await postJson(url, body), 400, 'invalid_request', param);
  });

  it('A13 embeddings input of the wrong type → 400 param input', async () => {
    await expectError(await postJson(`${gw.baseURL}/embeddings`, { model: 'emb', input: { a: 1 } }), 400, 'invalid_request', 'input');
  });

  it('A13 a body that is not an object → 400', async () => {
    await expectError(await postJson(url, '[1,2]'), 400, 'invalid_request');
    await expectError(await postJson(url, '{"model":'), 400, 'invalid_json');
  });

  it('A13 unknown top-level fields are forwarded as-is', async () => {
    const res = await postJson(url, { ...CHAT, model: 'm', temperature: 0.2, vendor_extension: { a: [1, 2] } });
    expect(res.status).toBe(200);
    expect(up.requests.at(-1)?.body).toMatchObject({ temperature: 0.2, vendor_extension: { a: [1, 2] }, model: 'gpt-4o-mini' });
  });

  it('A13 duplicate JSON keys: the last one wins, for routing and forwarding alike', async () => {
    const res = await postJson(url, '{"model":"nope","stream":true,"messages":[{"role":"user","content":"hi"}],"model":"m","stream":false}');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(up.requests.at(-1)?.body).toMatchObject({ stream: false });
  });
});

describe('A14 hostile model names', () => {
  it.each([
    '../../etc/passwd', '%2e%2e%2f', 'a/b', 'm\u0000', 'x'.repeat(10_240), 'http://169.254.169.254/latest', '/etc/passwd', 'ｍ', 'M', ' m', 'm/../m',
  ])('A14 %j → 404 model_not_found, upstream untouched', async (model) => {
    await expectError(await postJson(url, { ...CHAT, model }), 404, 'model_not_found');
    expect(up.requests).toHaveLength(0);
  });
});

describe('A16 SSRF parameters in the body', () => {
  it.each([
    [{ api_base: 'http://evil' }, 'api_base'],
    [{ base_url: 'http://evil' }, 'base_url'],
    [{ api_key: 'x' }, 'api_key'],
    [{ endpoint: 'http://evil' }, 'endpoint'],
    [{ baseURL: 'http://evil' }, 'baseURL'],
    [{ apiBase: 'http://evil' }, 'apiBase'],
    [{ API_KEY: 'x' }, 'API_KEY'],
    [{ metadata: { deep: [{ x: 1 }, { api_base: 'http://evil' }] } }, 'metadata.deep[1].api_base'],
    [{ extra: [[{ endpoint: 'http://evil' }]] }, 'extra[0][0].endpoint'],
  ])('A16 %j → 400 banned_param, upstream never contacted', async (extra, param) => {
    await expectError(await postJson(url, { ...CHAT, model: 'm', ...extra }), 400, 'banned_param', param);
    expect(up.requests).toHaveLength(0);
  });

  it('A16 banned keys inside messages are refused too', async () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi', base_url: 'http://evil' }] };
    await expectError(await postJson(url, body), 400, 'banned_param', 'messages[0].base_url');
  });
});
