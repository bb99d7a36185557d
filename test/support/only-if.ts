// Table-driven tests: a cell that does not apply to its row is not registered at all, so CI runs no skipped tests.
import { it } from 'vitest';

export function onlyIf(applies: boolean): typeof it {
  return applies ? it : ((() => undefined) as unknown as typeof it);
}
