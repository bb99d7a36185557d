// A stream decoder's calls (push, end) with a failure held back behind the events decoded before it: a call whose
// step throws after it decoded some events returns those events, and the failure is thrown by the next call (and by
// every call after it). Text already decoded thus reaches the client before the error (B9).

/**
 * The wrapper for a decoder's calls: it runs `step`, then returns the events it decoded (`take` hands them over and
 * clears them). `failure` turns what a step threw into the error to throw.
 */
export function holdFailureAfterEvents<E>(take: () => E[], failure: (err: unknown) => unknown): (step: () => void) => E[] {
  let failed = false;
  let fatal: unknown;
  return (step) => {
    if (failed) throw fatal;
    try {
      step();
    } catch (err) {
      failed = true;
      fatal = failure(err);
      const events = take();
      if (events.length === 0) throw fatal;
      return events;
    }
    return take();
  };
}
