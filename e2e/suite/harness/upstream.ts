// A fake OpenAI upstream that behaves like a real account: it checks the API key (401 for a key it does not accept),
// counts requests per key, and can be told to fail every request (global-health cases).
import { startFakeOpenAI } from '../../../test/support/fake-openai-server.ts';
import type { FakeOpenAI } from '../../../test/support/fake-openai-server.ts';

export interface KeyedUpstream {
  readonly fake: FakeOpenAI;
  /** Base URL for a Provider (http://127.0.0.1:PORT/v1). */
  readonly url: string;
  /** Keys accepted from now on (a key is the raw value after "Bearer "). Empty: any key, or none. */
  accept(keys: readonly string[]): void;
  /** Answer every request with this status (e.g. 500), or undefined to serve normally. */
  fail(status: number | undefined): void;
  /** Requests received so far. */
  readonly requests: number;
  /** Requests per presented key ("" = no Authorization header). */
  readonly byKey: ReadonlyMap<string, number>;
  /** Requests answered 401 so far. */
  readonly unauthorized: number;
  close(): Promise<void>;
}

function presented(header: string | string[] | undefined): string {
  const h = Array.isArray(header) ? header.join(',') : header ?? '';
  return h.toLowerCase().startsWith('bearer ') ? h.slice(7).trim() : h;
}

export async function startKeyedUpstream(initialKeys: readonly string[] = []): Promise<KeyedUpstream> {
  let accepted = new Set(initialKeys);
  let failStatus: number | undefined;
  let requests = 0;
  let unauthorized = 0;
  const byKey = new Map<string, number>();
  const fake = await startFakeOpenAI({
    behavior: (req) => {
      requests++;
      const key = presented(req.headers.authorization);
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      // The request log of the fake would grow without bound under load; the counters above are what we need.
      fake.requests.length = 0;
      if (accepted.size > 0 && !accepted.has(key)) {
        unauthorized++;
        return { status: 401 };
      }
      if (failStatus !== undefined) return { status: failStatus };
      return { content: ['ok'] };
    },
  });
  return {
    fake,
    url: fake.url,
    accept(keys) {
      accepted = new Set(keys);
    },
    fail(status) {
      failStatus = status;
    },
    get requests() {
      return requests;
    },
    get byKey() {
      return byKey;
    },
    get unauthorized() {
      return unauthorized;
    },
    close: () => fake.close(),
  };
}
