// List prices of the major models of every priced provider type, in USD per 1M tokens: the single source the compiler
// reads for default prices (pkg/pricing/defaults.ts). Maintained by hand; test/pricing/prices.test.ts checks every
// entry (schema, date, source, prices ≥ 0, cached ≤ input) and that every served provider type and preset is either
// priced here or named in UNPRICED with the reason.
//
// How an entry was checked: `checked` is the day the price was read, `source` the provider's own pricing page. The
// 2026-12-03 entries were read from stored copies of that page or, where `note` says so, of pages quoting it (two
// independent quotes agreeing); a price that could not be confirmed that way is left out, never guessed — see the
// notes per catalogue and UNPRICED. To update: read the source page, change the numbers and the date, run
// `npx vitest run test/pricing`.
//
// Fields (USD per 1M tokens):
//   input        uncached input tokens
//   output       output tokens (reasoning tokens included unless `reasoning` prices them apart)
//   cachedInput  input tokens read from the provider's prompt cache (OpenAI cached input, Anthropic cache hits)
//   cacheWrite   input tokens written to the prompt cache — Anthropic's 5-minute write price (the default TTL)
//   cacheWrite1h Anthropic's 1-hour write price, for reference: usage does not say which TTL a write used, so cost
//                charges every write at `cacheWrite` (5-minute) — an undercount for 1-hour writes
//   reasoning    reasoning tokens, only where the provider prices them apart from output (none of the entries today:
//                OpenAI and Anthropic bill reasoning/thinking tokens as output tokens)
//
// Model names are the provider's base names; dated snapshots (gpt-4o-mini-2024-07-18, claude-sonnet-4-5-20250929)
// find their base entry through pkg/pricing/match.ts. A snapshot priced differently from its base gets its own entry
// (an exact name always wins).

export interface ListPrice {
  /** The model name as the provider knows it (base name, no date suffix). */
  readonly model: string;
  readonly input: number;
  readonly output: number;
  readonly cachedInput?: number;
  readonly cacheWrite?: number;
  readonly cacheWrite1h?: number;
  readonly reasoning?: number;
  /** YYYY-MM-DD: the day the price was read. */
  readonly checked: string;
  /** The provider's pricing page. */
  readonly source: string;
  /** How the price was confirmed when not read off the source page itself. */
  readonly note?: string;
  /** Other exact names of the same model (e.g. Anthropic's `claude-sonnet-4-0` alias of `claude-sonnet-4`). */
  readonly aliases?: readonly string[];
  /** Dated snapshots of this model that are priced differently: never matched to this entry (no default price). */
  readonly pricedApart?: readonly string[];
}

/** A catalogue key: the provider type, or `openai-compatible/<preset>` for an OpenAI-compatible preset. */
export type CatalogueKey = string;

const OPENAI = 'https://developers.openai.com/api/docs/pricing';
const ANTHROPIC = 'https://platform.claude.com/docs/en/about-claude/pricing';
const GROQ = 'https://groq.com/pricing';
const TOGETHER = 'https://www.together.ai/pricing';
const COHERE = 'https://cohere.com/pricing';
const GEMINI = 'https://ai.google.dev/gemini-api/docs/pricing';
const BEDROCK = 'https://aws.amazon.com/bedrock/pricing/';
const CHECKED = '2026-12-03';
const QUOTED = 'read from pages quoting the source page (two agreeing), not the page itself';

/** Anthropic prompt-cache prices follow the page's stated multipliers: 5-minute write 1.25×, 1-hour write 2×, hit 0.1× input. */
function claude(model: string, input: number, output: number, note?: string, aliases?: readonly string[]): ListPrice {
  return {
    model, input, output, ...(aliases === undefined ? {} : { aliases }),
    cachedInput: round(input * 0.1), cacheWrite: round(input * 1.25), cacheWrite1h: round(input * 2),
    checked: CHECKED, source: ANTHROPIC, ...(note === undefined ? {} : { note }),
  };
}

/** Bedrock's geographic cross-region inference profile prefixes (`us.anthropic.…`); the bare id is in-region. */
const BEDROCK_GEO_PREFIXES = ['us', 'eu', 'apac', 'jp', 'au'] as const;
const BEDROCK_CLAUDE_NOTE = 'read from pages quoting the source page: global-profile rates equal Anthropic\'s own (two agreeing), geographic and in-region 10% more (three agreeing), cache write 1.25× and hit 0.1× input';

/**
 * A Claude model on Bedrock (4.5 generation on): the `global.` inference profile at Anthropic's rates, and the
 * in-region id with its geographic profiles (`us.`, `eu.`, …) at 1.1× (Bedrock's regional premium for these models).
 */
function bedrockClaude(id: string, input: number, output: number): ListPrice[] {
  const entry = (model: string, k: number, aliases?: readonly string[]): ListPrice => ({
    model, input: round(input * k), output: round(output * k), cachedInput: round(input * k * 0.1), cacheWrite: round(input * k * 1.25),
    ...(aliases === undefined ? {} : { aliases }), checked: CHECKED, source: BEDROCK, note: BEDROCK_CLAUDE_NOTE,
  });
  return [entry(`global.${id}`, 1), entry(id, 1.1, BEDROCK_GEO_PREFIXES.map((p) => `${p}.${id}`))];
}

/** An Amazon Nova model: the same price for its in-region id and its geographic profiles (no cross-region charge). */
function nova(id: string, input: number, output: number, note: string): ListPrice {
  return { model: id, aliases: ['us', 'eu', 'apac'].map((p) => `${p}.${id}`), input, output, checked: CHECKED, source: BEDROCK, note };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function openai(model: string, input: number, cachedInput: number | undefined, output: number, quoted = true): ListPrice {
  return {
    model, input, output, ...(cachedInput === undefined ? {} : { cachedInput }),
    checked: CHECKED, source: OPENAI, ...(quoted ? { note: QUOTED } : {}),
  };
}

export const PRICE_LIST: Readonly<Record<CatalogueKey, readonly ListPrice[]>> = {
  // OpenAI: standard tier (not Batch, not Flex, not Priority); GPT-5.4 rates apply below its long-context threshold.
  // Reasoning tokens are billed as output. Left out: gpt-5.5-pro / gpt-5.4-pro (no cached price published), o-series
  // and gpt-5 / gpt-5.1 / gpt-5.2 (quotes disagree or are stale), audio/realtime/image models.
  openai: [
    openai('gpt-5.5', 5, 0.5, 30),
    openai('gpt-5.4', 2.5, 0.25, 15),
    openai('gpt-5.4-mini', 0.75, 0.075, 4.5),
    openai('gpt-5.4-nano', 0.2, 0.02, 1.25),
    openai('gpt-4.1', 2, 0.5, 8),
    openai('gpt-4.1-mini', 0.4, 0.1, 1.6),
    // gpt-4o-2024-05-13 launched at a higher price than gpt-4o: never defaulted to this entry.
    { ...openai('gpt-4o', 2.5, 1.25, 10), pricedApart: ['gpt-4o-2024-05-13'] },
    openai('gpt-4o-mini', 0.15, 0.075, 0.6),
    openai('text-embedding-3-small', 0.02, undefined, 0),
    openai('text-embedding-3-large', 0.13, undefined, 0),
  ],
  // Anthropic: the Claude API's own prices (Bedrock/Vertex price separately; inference_geo "us" costs 1.1×, not
  // modelled). Left out: Haiku 5.5 (priced in two bands by prompt length, which one price per field cannot express),
  // Sonnet 5 / 5.5, Opus 5.5 and Fable/Mythos (cache-hit ratios differ from 0.1× and were not confirmed per field),
  // Opus 4.8 and Opus 5 (the page prices them like Opus 4.5, but their API model IDs were not confirmed). The Opus
  // rows were read off the page itself (all five prices); they equal the page's multipliers, which claude() applies.
  anthropic: [
    claude('claude-opus-4-5', 5, 25),
    claude('claude-opus-4-6', 5, 25),
    claude('claude-opus-4-7', 5, 25),
    claude('claude-opus-4-1', 15, 75),
    claude('claude-sonnet-4-5', 3, 15, 'Sonnet 4.5 row quoted by two pages citing the source page; cache prices from its multipliers'),
    claude('claude-sonnet-4', 3, 15, 'quoted by two pages citing the source page; cache prices from its multipliers', ['claude-sonnet-4-0']),
    claude('claude-haiku-4-5', 1, 5, 'input/output from the model overview page; cache prices from the pricing page multipliers'),
  ],
  // Groq: on-demand prices; no cached-input price published for these models.
  'openai-compatible/groq': [
    { model: 'llama-3.3-70b-versatile', input: 0.59, output: 0.79, checked: CHECKED, source: GROQ, note: QUOTED },
    { model: 'llama-3.1-8b-instant', input: 0.05, output: 0.08, checked: CHECKED, source: GROQ, note: QUOTED },
    { model: 'openai/gpt-oss-120b', input: 0.15, output: 0.6, checked: CHECKED, source: GROQ, note: QUOTED },
  ],
  // Cohere: the API's own per-token prices (billed units, which is what the cohere adapter reports as usage). Left out:
  // Command R+ 08-2024 (the quotes found disagree; Cohere lists it as existing-customer pricing), the Command A
  // Reasoning / Vision / Translate variants (no quote of the source page found), and the `command-r` / `command-a`
  // aliases (they may point at other snapshots). Embed 4 text input only (image inputs are priced apart). Cohere
  // publishes no cached-input price.
  cohere: [
    { model: 'command-a-03-2025', input: 2.5, output: 10, checked: CHECKED, source: COHERE, note: QUOTED },
    { model: 'command-r-08-2024', input: 0.15, output: 0.6, checked: CHECKED, source: COHERE, note: 'read from pages quoting the source page (three agreeing, one a capture of the page dated 2026-11-11)' },
    { model: 'command-r7b-12-2024', input: 0.0375, output: 0.15, checked: CHECKED, source: COHERE, note: 'read from pages quoting the source page (two agreeing; one rounds the input price to $0.038)' },
    { model: 'embed-v4.0', input: 0.12, output: 0, checked: CHECKED, source: COHERE, note: QUOTED },
  ],
  // Gemini API (Developer API, Standard tier; Batch / Flex / Priority not modelled): text, image and video input prices
  // (audio input costs more and usage does not say which tokens were audio). Thinking tokens are billed as output.
  // Left out: the Pro models (gemini-2.5-pro, gemini-3-pro-preview, gemini-3.1-pro-preview are priced in two bands by
  // prompt length, ≤200k / >200k tokens, which one price per field cannot express), gemini-3.1-flash-lite and the
  // embedding models (one quote only), and cached-input prices except gemini-3-flash-preview's (quotes disagree).
  gemini: [
    { model: 'gemini-3.5-flash', input: 1.5, output: 9, checked: CHECKED, source: GEMINI, note: QUOTED },
    { model: 'gemini-3-flash-preview', input: 0.5, output: 3, cachedInput: 0.05, checked: CHECKED, source: GEMINI, note: 'read from pages quoting the source page (three agreeing on input and output; the cached price from one that quotes the page\'s row verbatim and one giving the 90% cache discount)' },
    { model: 'gemini-2.5-flash', input: 0.3, output: 2.5, checked: CHECKED, source: GEMINI, note: 'read from pages quoting the source page (three agreeing)' },
    { model: 'gemini-2.5-flash-lite', input: 0.1, output: 0.4, checked: CHECKED, source: GEMINI, note: QUOTED },
  ],
  // Amazon Bedrock (on-demand, standard tier; Batch, Flex, Priority and provisioned throughput not modelled). Model
  // names are Bedrock model ids and inference-profile ids as routes name them (no date-suffix matching applies to
  // them: an id that is not listed has no default price). Claude: Sonnet 4.5 / 4.6, Haiku 4.5, Opus 4.5 (see
  // bedrockClaude; the 1-hour cache-write price on Bedrock was not confirmed and is left out). Nova: us-east-1
  // prices (other regions may differ); cached-input prices left out (one quote only). Left out: Llama (the quotes
  // found disagree or are stale), older Claude generations (priced per region, not confirmed), application
  // inference profile ARNs (any name the customer chose).
  bedrock: [
    ...bedrockClaude('anthropic.claude-sonnet-4-5-20250929-v1:0', 3, 15),
    ...bedrockClaude('anthropic.claude-sonnet-4-6', 3, 15),
    ...bedrockClaude('anthropic.claude-haiku-4-5-20251001-v1:0', 1, 5),
    ...bedrockClaude('anthropic.claude-opus-4-5-20251101-v1:0', 5, 25),
    nova('amazon.nova-micro-v1:0', 0.035, 0.14, 'read from pages quoting the source page (two agreeing, one an OpenRouter listing of Bedrock)'),
    nova('amazon.nova-lite-v1:0', 0.06, 0.24, 'read from pages quoting the source page (two agreeing, one an OpenRouter listing of Bedrock)'),
    nova('amazon.nova-pro-v1:0', 0.8, 3.2, QUOTED),
  ],
  // Together AI: serverless prices. Only the one model two quotes agreed on; other serverless models left out.
  'openai-compatible/together': [
    { model: 'openai/gpt-oss-120b', input: 0.15, output: 0.6, checked: CHECKED, source: TOGETHER, note: QUOTED },
  ],
};

/**
 * Provider types and presets with no list price here, and why. A Provider of these gets cost only from its own
 * `spec.models[].pricing`; without it, cost is null (tokens are still counted).
 */
export const UNPRICED: Readonly<Record<CatalogueKey, string>> = {
  fake: 'built-in test provider: no money changes hands',
  'azure-openai': 'route targets name deployments (any name the customer chose), and Azure meters each model per deployment type (Global, Data Zone, Regional) and region; its pricing page gives no region-free figure (stored copies render "$-"): set spec.models[].pricing',
  'vertex-ai': 'not confirmed on 2026-12-03: the quotes of the Vertex AI pricing page found disagree (Gemini 2.5 Flash quoted at $0.15/$0.60 and at $0.30/$2.50 per 1M), Claude on Vertex is priced apart for the global and the regional endpoints (a regional premium on newer models), and Vertex model names carry @version suffixes (claude-sonnet-4-5@20250929) that list-price matching does not read: set spec.models[].pricing',
  'openai-compatible/generic': 'any server: the model names say nothing about who bills what',
  'openai-compatible/vllm': 'self-hosted: no list price (you pay for the machines, not per token)',
  'openai-compatible/sglang': 'self-hosted: no list price (you pay for the machines, not per token)',
  'openai-compatible/ollama': 'self-hosted: no list price (you pay for the machines, not per token)',
  'openai-compatible/lmstudio': 'self-hosted: no list price (you pay for the machines, not per token)',
  'openai-compatible/xai': 'not searched for on 2026-12-03 (preset added later); no figure read from a stored copy of xAI\'s pricing page: set spec.models[].pricing',
  'openai-compatible/perplexity': 'not searched for on 2026-12-03 (preset added later); Sonar bills per request (search context size) on top of tokens, which a per-token price cannot express: set spec.models[].pricing',
  'openai-compatible/deepseek': 'not confirmed on 2026-12-03: the stored copy of the official page was outdated and current prices vary by time of day (peak/off-peak), which one price per field cannot express',
  'openai-compatible/mistral': 'not confirmed on 2026-12-03: the quotes found disagreed with each other',
  'openai-compatible/fireworks': 'not confirmed on 2026-12-03: no quote of the official page found',
  'openai-compatible/openrouter': 'not confirmed on 2026-12-03: OpenRouter passes through each upstream\'s price per model and changes it often; set spec.models[].pricing',
};

/** The catalogue a Provider's prices come from: its type, or `openai-compatible/<preset>` (no preset = generic). */
export function catalogueKey(type: string, preset: string | undefined): CatalogueKey {
  return type === 'openai-compatible' ? `${type}/${preset ?? 'generic'}` : type;
}
