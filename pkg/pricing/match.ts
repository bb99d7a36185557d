// Model name → list-price entry. Exact rules, in order (test/pricing/match.test.ts):
//   1. the exact name (case-sensitive, as providers treat it) or one of an entry's `aliases`;
//   2. a dated snapshot: the name minus ONE trailing date suffix, looked up exactly — `-YYYY-MM-DD` (OpenAI:
//      gpt-4o-mini-2024-07-18 → gpt-4o-mini) or `-YYYYMMDD` (Anthropic: claude-sonnet-4-5-20250929 →
//      claude-sonnet-4-5), with a month 01–12 and a day 01–31; unless the entry lists the name in `pricedApart`;
//   3. `-latest` (claude-3-5-haiku-latest → claude-3-5-haiku), looked up exactly.
// Nothing else: no prefix matching (gpt-4o-mini never falls back to gpt-4o), no case folding, no guessing. A name
// that matches no rule has no default price.
import type { ListPrice } from './prices.ts';

const DASHED_DATE = /-(\d{4})-(\d{2})-(\d{2})$/;
const COMPACT_DATE = /-(\d{4})(\d{2})(\d{2})$/;

function validDate(m: RegExpExecArray): boolean {
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** The model name without its date suffix or `-latest`, or null when it has neither. */
export function baseModelName(model: string): string | null {
  for (const re of [DASHED_DATE, COMPACT_DATE]) {
    const m = re.exec(model);
    if (m !== null && m.index > 0 && validDate(m)) return model.slice(0, m.index);
  }
  if (model.endsWith('-latest') && model.length > '-latest'.length) return model.slice(0, -'-latest'.length);
  return null;
}

function find(entries: readonly ListPrice[], name: string): ListPrice | undefined {
  return entries.find((e) => e.model === name || (e.aliases ?? []).includes(name));
}

/** The entry of a catalogue for a model name by the rules above, or undefined. A catalogue holds a few dozen entries. */
export function matchPrice(entries: readonly ListPrice[], model: string): ListPrice | undefined {
  const exact = find(entries, model);
  if (exact !== undefined) return exact;
  const base = baseModelName(model);
  if (base === null) return undefined;
  const entry = find(entries, base);
  if (entry === undefined || (entry.pricedApart ?? []).includes(model)) return undefined;
  return entry;
}
