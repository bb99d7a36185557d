// refreshingSource and CredentialSources with an injected clock and a manual scheduler: refresh before expiry, backoff
// on failure, no fetch from current(), stop; sources kept or stopped by table builds; credentialKey.
import { describe, expect, it } from 'vitest';
import { CredentialSources, credentialKey, refreshingSource, safeReason } from '../../pkg/providers/http/credential-sources.ts';
import type { Refreshable, RefreshingSource, SourceTimers } from '../../pkg/providers/http/credential-sources.ts';
import type { TableProvider } from '../../pkg/table/types.ts';

/** A manual clock and timer queue: advance() moves time and runs the timers that fall due, in order. */
class ManualTime implements SourceTimers {
  now = 1_000_000;
  #next = 1;
  readonly #pending = new Map<number, { at: number; fn: () => void }>();
  readonly clock = (): number => this.now;
  set(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.#pending.delete(handle as number);
  }
  /** Due times of pending timers, relative to now, ascending. */
  pendingIn(): number[] {
    return [...this.#pending.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.#pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#pending.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
      await flush();
    }
    this.now = until;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const MIN = 60_000;

/** A fetch whose answers are scripted per call; records call times. */
function scripted(time: ManualTime, answers: readonly (((n: number) => Refreshable<string>) | Error)[]) {
  const calls: number[] = [];
  const fetch = (): Promise<Refreshable<string>> => {
    calls.push(time.now);
    const a = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (a instanceof Error) return Promise.reject(a);
    return Promise.resolve((a as (n: number) => Refreshable<string>)(calls.length));
  };
  return { calls, fetch };
}

describe('refreshingSource', () => {
  it('fetches once at start, serves the value without fetching, and refreshes 5 minutes before expiry', async () => {
    const time = new ManualTime();
    const { calls, fetch } = scripted(time, [(n) => ({ value: `token-${n}`, expiresAt: time.now + 60 * MIN })]);
    const src = refreshingSource(fetch, { clock: time.clock, timers: time, what: 'test token' });
    expect(src.current()).toBeNull();
    await src.ready;
    expect(calls).toEqual([1_000_000]);
    for (let i = 0; i < 100; i++) expect(src.current()).toBe('token-1');
    expect(calls).toHaveLength(1);
    expect(time.pendingIn()).toEqual([55 * MIN]);
    await time.advance(55 * MIN - 1);
    expect(calls).toHaveLength(1);
    await time.advance(1);
    expect(calls).toHaveLength(2);
    expect(src.current()).toBe('token-2');
    src.stop();
  });

  it('never refreshes sooner than 30 s after a success, even for a short-lived value', async () => {
    const time = new ManualTime();
    const { calls, fetch } = scripted(time, [() => ({ value: 'short', expiresAt: time.now + 2 * MIN })]);
    const src = refreshingSource(fetch, { clock: time.clock, timers: time });
    await src.ready;
    expect(time.pendingIn()).toEqual([30_000]);
    await time.advance(29_999);
    expect(calls).toHaveLength(1);
    await time.advance(1);
    expect(calls).toHaveLength(2);
    src.stop();
  });

  it('a value that never expires is fetched once', async () => {
    const time = new ManualTime();
    const { calls, fetch } = scripted(time, [() => ({ value: 'static', expiresAt: Infinity })]);
    const src = refreshingSource(fetch, { clock: time.clock, timers: time });
    await src.ready;
    expect(time.pendingIn()).toEqual([]);
    await time.advance(365 * 24 * 60 * MIN);
    expect(calls).toHaveLength(1);
    expect(src.current()).toBe('static');
  });

  it('retries a failed fetch with doubling backoff up to the cap, and resets after a success', async () => {
    const time = new ManualTime();
    const fail = new Error('token endpoint said 503');
    const { calls, fetch } = scripted(time, [fail, fail, fail, fail, fail, fail, fail, fail, (n) => ({ value: `ok-${n}`, expiresAt: time.now + 60 * MIN }), fail]);
    const src = refreshingSource(fetch, { clock: time.clock, timers: time, retryMinMs: 1000, retryMaxMs: 60_000 });
    await src.ready;
    expect(src.current()).toBeNull();
    expect(src.lastError()).toBe('token endpoint said 503');
    await time.advance(10 * MIN);
    const gaps = calls.slice(1).map((t, i) => t - (calls[i] as number));
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(src.current()).toBe('ok-9');
    expect(src.lastError()).toBeNull();
    // The next refresh (at 55 min) fails: the value in hand is kept until it expires, retries start again at 1 s.
    await time.advance((calls[8] as number) + 55 * MIN - time.now);
    expect(calls).toHaveLength(10);
    expect(src.current()).toMatch(/^ok-/);
    expect(src.lastError()).toBe('token endpoint said 503');
    expect(time.pendingIn()).toEqual([1000]);
    src.stop();
  });

  it('a value whose refreshes keep failing is not served after it expires', async () => {
    const time = new ManualTime();
    const fail = new Error('down');
    const { fetch } = scripted(time, [() => ({ value: 'v', expiresAt: time.now + 10 * MIN }), fail]);
    const src = refreshingSource(fetch, { clock: time.clock, timers: time });
    await src.ready;
    await time.advance(10 * MIN - 1);
    expect(src.current()).toBe('v');
    await time.advance(1);
    expect(src.current()).toBeNull();
    expect(src.lastError()).toBe('down');
    src.stop();
  });

  it('a fetch that hangs times out and is retried', async () => {
    const time = new ManualTime();
    let calls = 0;
    let seen: AbortSignal | undefined;
    const src = refreshingSource((signal) => {
      calls++;
      seen = signal;
      return calls === 1 ? new Promise<never>(() => {}) : Promise.resolve({ value: 'late', expiresAt: Infinity });
    }, { clock: time.clock, timers: time, fetchTimeoutMs: 5000 });
    let ready = false;
    void src.ready.then(() => (ready = true));
    await time.advance(4999);
    expect(ready).toBe(false);
    await time.advance(1);
    expect(ready).toBe(true);
    expect(src.lastError()).toBe('timed out after 5000 ms');
    await time.advance(1000);
    expect(calls).toBe(2);
    expect(seen?.aborted).toBe(false);
    expect(src.current()).toBe('late');
  });

  it('stop() cancels the refresh timer, ignores a fetch in flight and serves nothing after', async () => {
    const time = new ManualTime();
    const { calls, fetch } = scripted(time, [(n) => ({ value: `t${n}`, expiresAt: time.now + 60 * MIN })]);
    const src = refreshingSource(fetch, { clock: time.clock, timers: time });
    await src.ready;
    src.stop();
    expect(time.pendingIn()).toEqual([]);
    expect(src.current()).toBeNull();
    await time.advance(120 * MIN);
    expect(calls).toHaveLength(1);

    let resolve: ((r: Refreshable<string>) => void) | undefined;
    let signal: AbortSignal | undefined;
    const pending = refreshingSource((s) => {
      signal = s;
      return new Promise<Refreshable<string>>((r) => (resolve = r));
    }, { clock: time.clock, timers: time });
    pending.stop();
    expect(signal?.aborted).toBe(true);
    resolve?.({ value: 'too late', expiresAt: Infinity });
    await pending.ready;
    expect(pending.current()).toBeNull();
    expect(time.pendingIn()).toEqual([]);
  });

  it('lastError and the warning log never carry a secret or a token-like string', async () => {
    const time = new ManualTime();
    const SECRET = 'client-secret-canary-91';
    const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJlc2ln';
    const warnings: unknown[] = [];
    const log = { warn: (o: unknown) => warnings.push(o), debug: () => {} };
    const src = refreshingSource(() => Promise.reject(new Error(`invalid_client: ${SECRET} rejected; token ${TOKEN}`)), {
      clock: time.clock, timers: time, secrets: [SECRET], log, what: 'entra token for default/azure',
    });
    await src.ready;
    const text = `${src.lastError()} ${JSON.stringify(warnings)}`;
    expect(src.lastError()).toBe('invalid_client: <redacted> rejected; token <redacted>');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN.slice(0, 20));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ what: 'entra token for default/azure', failures: 1, retryInMs: 1000, hasValue: false });
    src.stop();
  });

  it('safeReason caps length and survives odd throws', () => {
    expect(safeReason('x'.repeat(10) + ' '.repeat(3) + 'y '.repeat(400)).length).toBe(300);
    expect(safeReason(42)).toBe('fetch failed');
    expect(safeReason(new Error(''))).toBe('Error');
  });
});

/** A source double that counts stops (the sources registry only calls get/stop). */
function counted(): RefreshingSource<string> & { stops: number } {
  const s = { stops: 0, ready: Promise.resolve(), current: () => (s.stops > 0 ? null : 'v'), lastError: () => null, stop: () => void s.stops++ };
  return s;
}

describe('CredentialSources', () => {
  it('one source per key; a committed build stops what it did not ask for, an aborted one keeps the table in use', () => {
    const reg = new CredentialSources();
    const a = counted();
    const b = counted();
    reg.beginBuild();
    expect(reg.get('a', () => a)).toBe(a);
    expect(reg.get('b', () => b)).toBe(b);
    expect(reg.get('a', () => counted())).toBe(a);
    reg.commitBuild();
    expect(reg.size).toBe(2);

    // A build that asks for a only: b is stopped and forgotten.
    reg.beginBuild();
    expect(reg.get('a', () => counted())).toBe(a);
    reg.commitBuild();
    expect([a.stops, b.stops]).toEqual([0, 1]);
    expect(reg.has('b')).toBe(false);

    // A failed build that created c: c is stopped, a (in use) stays.
    const c = counted();
    reg.beginBuild();
    reg.get('c', () => c);
    reg.abortBuild();
    expect([a.stops, c.stops]).toEqual([0, 1]);
    expect(reg.has('a')).toBe(true);
    expect(reg.has('c')).toBe(false);

    reg.stopAll();
    expect(a.stops).toBe(1);
    expect(reg.size).toBe(0);
    const late = counted();
    expect(reg.get('d', () => late)).toBe(late);
    expect(late.stops).toBe(1);
    expect(reg.size).toBe(0);
  });

  it('keep(): a build that reuses the adapter owning a source keeps that source; an unknown key creates nothing', () => {
    const reg = new CredentialSources();
    const a = counted();
    reg.beginBuild();
    reg.get('a', () => a);
    reg.commitBuild();
    reg.beginBuild();
    reg.keep('a');
    reg.keep('ghost');
    reg.commitBuild();
    expect(a.stops).toBe(0);
    expect(reg.has('a')).toBe(true);
    expect(reg.has('ghost')).toBe(false);
    reg.beginBuild();
    reg.commitBuild(); // nobody kept it now
    expect(a.stops).toBe(1);
  });

  it('credentialKey: same provider and credential give the same key; a changed credential or type another', () => {
    const p = { id: 'ns/vertex', type: 'vertex-ai', credential: { kind: 'google', source: 'default', scopes: ['s'] } } as const satisfies Pick<TableProvider, 'id' | 'type' | 'credential'>;
    const k = credentialKey(p);
    expect(k).toMatch(/^ns\/vertex\|vertex-ai\|[0-9a-f]{64}$/);
    expect(credentialKey({ ...p, credential: { scopes: ['s'], source: 'default', kind: 'google' } })).toBe(k);
    expect(credentialKey({ ...p, credential: { kind: 'google', source: 'default', scopes: ['t'] } })).not.toBe(k);
    expect(credentialKey({ ...p, id: 'ns/other' })).not.toBe(k);
    const secret = credentialKey({ id: 'ns/a', type: 'azure-openai', credential: { kind: 'entra', tenantId: 't', clientId: 'c', authorityHost: 'h', scopes: [], value: 'sek-canary-77' } });
    expect(secret).not.toContain('sek-canary-77');
  });
});
