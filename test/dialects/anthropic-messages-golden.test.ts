// Golden files for the Anthropic Messages dialect, one folder per direction under testdata/anthropic-messages/:
//   client-request   in.json (Messages body)        → out.json (canonical request, or {error})
//   client-response  in.json (canonical response)   → out.json (Messages `message`)
//   client-stream    in.json (canonical events)     → out.sse  (typed SSE)
//   provider-request in.json ({upstreamModel, request}) → out.json (Messages body, or {error})
//   provider-response in.json (Messages `message`)  → out.json (canonical response, or {error})
//   provider-stream  in.sse (upstream SSE)          → out.json (canonical events; a thrown error as {error})
// UPDATE_GOLDEN=1 rewrites the outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import type { EncodeContext } from '../../pkg/canonical/codec.ts';
import type { CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec, providerCodec } from '../../pkg/dialects/anthropic-messages/index.ts';
import { decodeResponseGolden, encodeRequestGolden, errorAsData, expectGolden, goldenCaseRunner, readJson } from '../support/golden.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'anthropic-messages');
export const CTX: EncodeContext = { model: 'claude-client-name', requestId: 'req_golden_1', nowSec: 1735689600, streamUsage: true };

const eachCase = goldenCaseRunner(ROOT, 2);

describe('anthropic-messages golden: client side', () => {
  describe('decodeRequest', () => {
    eachCase('client-request', (d) => {
      const out = errorAsData(() => clientCodec.decodeRequest(readJson(join(d, 'in.json')) as Record<string, unknown>));
      expectGolden(join(d, 'out.json'), out);
    });
  });
  describe('encodeResponse', () => {
    eachCase('client-response', (d) => {
      const text = clientCodec.encodeResponse(readJson(join(d, 'in.json')) as CanonicalResponse, CTX);
      expectGolden(join(d, 'out.json'), JSON.parse(text));
    });
  });
  describe('stream encoder', () => {
    eachCase('client-stream', (d) => {
      const enc = clientCodec.createStreamEncoder(CTX);
      const text = (readJson(join(d, 'in.json')) as StreamEvent[]).map((ev) => enc.encode(ev)).join('');
      expectGolden(join(d, 'out.sse'), text);
    });
  });
});

describe('anthropic-messages golden: provider side', () => {
  describe('encodeRequest', () => {
    eachCase('provider-request', encodeRequestGolden(providerCodec));
  });
  describe('decodeResponse', () => {
    eachCase('provider-response', decodeResponseGolden(providerCodec));
  });
  describe('stream decoder', () => {
    eachCase('provider-stream', (d) => {
      const bytes = readFileSync(join(d, 'in.sse'));
      const dec = providerCodec.createStreamDecoder();
      const events = errorAsData(() => [...dec.push(bytes), ...dec.end()]);
      expectGolden(join(d, 'out.json'), events);
    });
  });
});
