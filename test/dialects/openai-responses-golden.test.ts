// Golden files for the openai-responses client codec, under testdata/openai-responses/:
//   decode/<case>.in.json (a Responses request body) → <case>.out.json (the CanonicalRequest, or {error} for a refusal)
//   encode/<case>.in.json ({ctx, response})          → <case>.out.json (the `response` object)
//   stream/<case>.in.json ({ctx, events, error?, after?}) → <case>.out.sse (the SSE bytes)
// UPDATE_GOLDEN=1 rewrites the outputs.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EncodeContext } from '../../pkg/canonical/codec.ts';
import type { CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec } from '../../pkg/dialects/openai-responses/index.ts';
import { GatewayError } from '../../pkg/errors/errors.ts';

const DIR = join(import.meta.dirname, 'testdata', 'openai-responses');
const update = process.env.UPDATE_GOLDEN === '1';

function cases(kind: string): string[] {
  return readdirSync(join(DIR, kind)).filter((f) => f.endsWith('.in.json')).map((f) => f.slice(0, -'.in.json'.length)).sort();
}

function readIn<T>(kind: string, name: string): T {
  return JSON.parse(readFileSync(join(DIR, kind, `${name}.in.json`), 'utf8')) as T;
}

function golden(kind: string, file: string, text: string): void {
  const path = join(DIR, kind, file);
  if (update) writeFileSync(path, text);
  expect(existsSync(path), `${kind}/${file} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

function decodeOutcome(body: Record<string, unknown>): unknown {
  try {
    return { request: clientCodec.decodeRequest(body) };
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { error: { code: err.code, status: err.status, param: err.param, message: err.message } };
  }
}

describe('openai-responses golden: decodeRequest', () => {
  const names = cases('decode');
  it('has every refusal case and the accepted shapes', () => {
    expect(names.filter((n) => n.startsWith('refuse-')).length).toBeGreaterThanOrEqual(20);
    expect(names.filter((n) => !n.startsWith('refuse-')).length).toBeGreaterThanOrEqual(6);
  });
  for (const name of names) {
    it(name, () => {
      const outcome = decodeOutcome(readIn('decode', name)) as { error?: unknown };
      // A refusal case must refuse and an accepted case must decode: the name says which.
      expect(outcome.error !== undefined, name).toBe(name.startsWith('refuse-'));
      golden('decode', `${name}.out.json`, `${JSON.stringify(outcome, null, 2)}\n`);
    });
  }
});

describe('openai-responses golden: encodeResponse', () => {
  for (const name of cases('encode')) {
    it(name, () => {
      const { ctx, response } = readIn<{ ctx: EncodeContext; response: CanonicalResponse }>('encode', name);
      const text = clientCodec.encodeResponse(response, ctx);
      golden('encode', `${name}.out.json`, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    });
  }
});

describe('openai-responses golden: stream encoder', () => {
  for (const name of cases('stream')) {
    it(name, () => {
      const input = readIn<{ ctx: EncodeContext; events: StreamEvent[]; error?: Parameters<ReturnType<typeof clientCodec.createStreamEncoder>['error']>[0]; after?: StreamEvent[] }>('stream', name);
      const enc = clientCodec.createStreamEncoder(input.ctx);
      let out = input.events.map((ev) => enc.encode(ev)).join('');
      if (input.error !== undefined) out += enc.error(input.error);
      out += (input.after ?? []).map((ev) => enc.encode(ev)).join('');
      golden('stream', `${name}.out.sse`, out);
      // Every event is framed `event: <type>\ndata: <json>\n\n`, its data names the same type, and sequence numbers
      // count up from 0 without gaps; there is no [DONE].
      const frames = out.split('\n\n').filter((f) => f !== '');
      frames.forEach((frame, i) => {
        const m = /^event: (\S+)\ndata: (.*)$/s.exec(frame);
        expect(m, frame).not.toBeNull();
        const data = JSON.parse(m?.[2] ?? '') as { type: string; sequence_number: number };
        expect(data.type).toBe(m?.[1]);
        expect(data.sequence_number).toBe(i);
      });
      expect(out).not.toContain('[DONE]');
    });
  }
});
