// Golden fixtures for the legacy completions dialect (client side only), under testdata/openai-completions/:
//   request/<case>/in.json (client body)             → out.json (canonical request, or the 400)
//   response/<case>/in.json ({response, ctx?})      → out.json (text_completion)
//   stream/<case>/in.json ({events, ctx?, error?})  → out.sse
// UPDATE_GOLDEN=1 rewrites the outputs.
import { join } from 'node:path';
import { describe } from 'vitest';
import type { EncodeContext } from '../../pkg/canonical/codec.ts';
import type { CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec } from '../../pkg/dialects/openai-completions/index.ts';
import { GatewayError } from '../../pkg/errors/errors.ts';
import { expectGolden, goldenCaseRunner, readJson } from '../support/golden.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'openai-completions');
const CTX: EncodeContext = { model: 'gpt-3.5-turbo-instruct', requestId: 'req_1', nowSec: 1_760_000_000, streamUsage: true };

type Obj = Record<string, unknown>;

function decode(body: Obj): unknown {
  try {
    return clientCodec.decodeRequest(body);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { error: { status: err.status, code: err.code, param: err.param, message: err.message } };
  }
}

const ctxOf = (input: Obj): EncodeContext => ({ ...CTX, ...(input.ctx as Partial<EncodeContext> | undefined) });

const directions: Readonly<Record<string, (input: Obj) => { file: string; value: unknown }>> = {
  request: (input) => ({ file: 'out.json', value: decode(input) }),
  response: (input) => ({ file: 'out.json', value: JSON.parse(clientCodec.encodeResponse(input.response as CanonicalResponse, ctxOf(input))) }),
  stream: (input) => {
    const enc = clientCodec.createStreamEncoder(ctxOf(input));
    let out = (input.events as StreamEvent[]).map((ev) => enc.encode(ev)).join('');
    if (input.error !== undefined) out += enc.error(input.error as Parameters<typeof enc.error>[0]);
    return { file: 'out.sse', value: out };
  },
};

const eachCase = goldenCaseRunner(ROOT, 2);

describe('openai-completions golden fixtures', () => {
  for (const [direction, run] of Object.entries(directions)) {
    describe(direction, () => {
      eachCase(direction, (d) => {
        const { file, value } = run(readJson(join(d, 'in.json')) as Obj);
        expectGolden(join(d, file), value);
      });
    });
  }
});
