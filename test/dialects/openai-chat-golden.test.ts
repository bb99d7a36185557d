// Golden fixtures for the OpenAI chat dialect, one folder per direction under testdata/openai-chat/:
//   client-request/<case>/in.json (client body)                  → out.json (canonical request, or the 400)
//   client-response/<case>/in.json ({response, ctx?})            → out.json (chat.completion)
//   client-stream/<case>/in.json ({events, ctx?, error?})        → out.sse
//   provider-request/<case>/in.json ({request, model})           → out.json (upstream body)
//   provider-response/<case>/in.json (upstream body)             → out.json (canonical response, or the failure)
//   provider-stream/<case>/in.sse (recorded upstream stream)     → out.json (events, or the failure)
// UPDATE_GOLDEN=1 rewrites the outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import type { EncodeContext } from '../../pkg/canonical/codec.ts';
import type { CanonicalRequest, CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec, providerCodec } from '../../pkg/dialects/openai-chat/index.ts';
import { GatewayError } from '../../pkg/errors/errors.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import { expectGolden, goldenCaseRunner, readJson } from '../support/golden.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'openai-chat');
const CTX: EncodeContext = { model: 'gpt-4o-mini', requestId: 'req_123', nowSec: 1_760_000_000, streamUsage: true };

type Obj = Record<string, unknown>;

/** Thrown errors as data, so refusals are golden too. */
function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (err instanceof GatewayError) return { error: { status: err.status, code: err.code, param: err.param, message: err.message } };
    if (err instanceof UpstreamFailureError) return { failure: err.failure };
    throw err;
  }
}

function ctxOf(input: Obj): EncodeContext {
  return { ...CTX, ...(input.ctx as Partial<EncodeContext> | undefined) };
}

const directions: Readonly<Record<string, (dir: string) => { file: string; value: unknown }>> = {
  'client-request': (dir) => ({ file: 'out.json', value: outcome(() => clientCodec.decodeRequest(readJson(join(dir, 'in.json')) as Obj)) }),
  'client-response': (dir) => {
    const input = readJson(join(dir, 'in.json')) as Obj;
    return { file: 'out.json', value: JSON.parse(clientCodec.encodeResponse(input.response as CanonicalResponse, ctxOf(input))) };
  },
  'client-stream': (dir) => {
    const input = readJson(join(dir, 'in.json')) as Obj;
    const enc = clientCodec.createStreamEncoder(ctxOf(input));
    let out = (input.events as StreamEvent[]).map((ev) => enc.encode(ev)).join('');
    if (input.error !== undefined) out += enc.error(input.error as Parameters<typeof enc.error>[0]);
    return { file: 'out.sse', value: out };
  },
  'provider-request': (dir) => {
    const input = readJson(join(dir, 'in.json')) as Obj;
    return { file: 'out.json', value: outcome(() => providerCodec.encodeRequest(input.request as CanonicalRequest, input.model as string)) };
  },
  'provider-response': (dir) => ({ file: 'out.json', value: outcome(() => providerCodec.decodeResponse(readJson(join(dir, 'in.json')))) }),
  'provider-stream': (dir) => {
    const dec = providerCodec.createStreamDecoder();
    const events: StreamEvent[] = [];
    const value = outcome(() => {
      events.push(...dec.push(readFileSync(join(dir, 'in.sse'))));
      events.push(...dec.end());
      return { events };
    });
    return { file: 'out.json', value: typeof value === 'object' && value !== null && 'failure' in value ? { events, ...value } : value };
  },
};

const eachCase = goldenCaseRunner(ROOT, 2);

describe('openai-chat golden fixtures', () => {
  for (const [direction, run] of Object.entries(directions)) {
    describe(direction, () => {
      eachCase(direction, (d) => {
        const { file, value } = run(d);
        expectGolden(join(d, file), value);
      });
    });
  }
});
