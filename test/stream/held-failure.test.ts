import { describe, expect, it } from 'vitest';
import { holdFailureAfterEvents } from '../../pkg/stream/held-failure.ts';

function decoder(): { run: (step: (out: string[]) => void) => string[] } {
  let out: string[] = [];
  const take = (): string[] => {
    const events = out;
    out = [];
    return events;
  };
  const guarded = holdFailureAfterEvents(take, (err) => new Error(`wrapped: ${(err as Error).message}`));
  return { run: (step) => guarded(() => step(out)) };
}

describe('holdFailureAfterEvents', () => {
  it('returns each call’s events and clears them', () => {
    const d = decoder();
    expect(d.run((out) => out.push('a', 'b'))).toEqual(['a', 'b']);
    expect(d.run((out) => out.push('c'))).toEqual(['c']);
  });

  it('a failure after events: the events first, the mapped failure on the next call and every call after', () => {
    const d = decoder();
    expect(d.run((out) => {
      out.push('text');
      throw new Error('garbage');
    })).toEqual(['text']);
    expect(() => d.run((out) => out.push('never'))).toThrow('wrapped: garbage');
    expect(() => d.run(() => undefined)).toThrow('wrapped: garbage');
  });

  it('a failure with no events is thrown at once', () => {
    const d = decoder();
    expect(() => d.run(() => {
      throw new Error('bad');
    })).toThrow('wrapped: bad');
    expect(() => d.run(() => undefined)).toThrow('wrapped: bad');
  });
});
