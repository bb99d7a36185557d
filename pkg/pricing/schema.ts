// zod schema of one list-price entry (prices.ts): checked by test/pricing/prices.test.ts so a bad edit of the data
// file fails CI rather than a bill. Prices are USD per 1M tokens, finite and ≥ 0; a cache read never costs more
// than uncached input; every entry names the day it was checked and an https source page.
import { z } from 'zod';

const Price = z.number().finite().min(0);

export const ListPriceSchema = z
  .strictObject({
    model: z.string().min(1).max(256),
    input: Price,
    output: Price,
    cachedInput: Price.optional(),
    cacheWrite: Price.optional(),
    cacheWrite1h: Price.optional(),
    reasoning: Price.optional(),
    checked: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'checked must be YYYY-MM-DD'),
    source: z.url({ protocol: /^https$/ }),
    note: z.string().min(1).optional(),
    aliases: z.array(z.string().min(1)).optional(),
    pricedApart: z.array(z.string().min(1)).optional(),
  })
  .refine((e) => e.cachedInput === undefined || e.cachedInput <= e.input, { message: 'cachedInput must not exceed input' });
