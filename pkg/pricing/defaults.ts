// Default prices for the compiler: (provider type, preset, upstream model) → TablePricing from the list-price data
// file (prices.ts), and the override rule. Pure: the data file is the single source; nothing is cached.
//
// Override rule: a Provider's `spec.models[].pricing` wins FIELD BY FIELD over the list price. A field the Provider
// sets replaces the list price's field; a field it leaves out keeps the list price's (so `{input: 1}` on
// gpt-4o-mini still gets the list output and cached-input prices). A Provider that wants no default at all for a
// field has no way to unset it short of setting it: set it to the price it pays.
import type { TablePricing } from '../table/types.ts';
import { matchPrice } from './match.ts';
import { PRICE_LIST, catalogueKey } from './prices.ts';
import type { CatalogueKey, ListPrice } from './prices.ts';

const FIELDS = ['input', 'output', 'cachedInput', 'cacheWrite', 'reasoning'] as const;

function tablePricingOf(e: ListPrice): TablePricing {
  const out: { -readonly [K in keyof TablePricing]: TablePricing[K] } = {};
  for (const f of FIELDS) if (e[f] !== undefined) out[f] = e[f];
  return out;
}

/** The list price of a model served by a Provider of `type` (and `preset`), or undefined when none is known. */
export function listPricing(
  type: string,
  preset: string | undefined,
  model: string,
  list: Readonly<Record<CatalogueKey, readonly ListPrice[]>> = PRICE_LIST,
): TablePricing | undefined {
  const key = catalogueKey(type, preset);
  const entries = Object.hasOwn(list, key) ? list[key] : undefined;
  const e = entries === undefined ? undefined : matchPrice(entries, model);
  return e === undefined ? undefined : tablePricingOf(e);
}

/** The Provider's own pricing over the list price, field by field; undefined when neither has a field. */
export function mergePricing(own: TablePricing | undefined, list: TablePricing | undefined): TablePricing | undefined {
  const out: { -readonly [K in keyof TablePricing]: TablePricing[K] } = {};
  for (const f of FIELDS) {
    const v = own?.[f] ?? list?.[f];
    if (v !== undefined) out[f] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
