// Usage → request facts, token metrics and cost from the table's prices (per token, precomputed at load).
// Input tokens include cached ones (OpenAI convention): cached tokens are charged at the cached rate only (B14);
// cache writes and reasoning tokens at their own prices (issue 8).
// Cost is rounded once, here, to whole nano-dollars (1e-9 USD): the access log and the metrics see the same figure
// and never a binary-float tail such as 0.000001230000000001.
import type { Usage } from '../../providers/types.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeTarget, TargetPrice } from '../runtime-table.ts';

/** Rounds a USD amount to 1e-9 (integer nano-dollars divided by 1e9 prints as the short decimal). */
export function roundUSD(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}

/**
 * Cost of one request. Input tokens include cached and cache-write tokens; output tokens include reasoning tokens
 * (canonical usage, pkg/canonical/types.ts). Each token is charged once, at its own price:
 *   cached   = min(cachedInputTokens, inputTokens)                → cachedInput
 *   written  = min(cacheWriteTokens, inputTokens − cached)        → cacheWrite
 *   uncached = inputTokens − cached − written                     → input
 *   reasoning = min(reasoningTokens, outputTokens)                → reasoning
 *   visible  = outputTokens − reasoning                           → output
 * Null when the target has no price.
 */
export function costUSD(usage: Usage, price: TargetPrice | null): number | null {
  if (price === null) return null;
  const input = Math.max(0, usage.inputTokens);
  const output = Math.max(0, usage.outputTokens);
  const cached = Math.min(Math.max(0, usage.cachedInputTokens ?? 0), input);
  const written = Math.min(Math.max(0, usage.cacheWriteTokens ?? 0), input - cached);
  const reasoning = Math.min(Math.max(0, usage.reasoningTokens ?? 0), output);
  return roundUSD(
    (input - cached - written) * price.input + cached * price.cachedInput + written * price.cacheWrite
      + (output - reasoning) * price.output + reasoning * price.reasoning,
  );
}

export function recordUsage(st: RequestState, target: RuntimeTarget, usage: Usage | null): void {
  if (usage === null) return;
  st.tokensIn = usage.inputTokens;
  st.tokensOut = usage.outputTokens;
  st.usageEstimated = usage.estimated === true;
  const cost = costUSD(usage, target.price);
  st.costUSD = cost;
  const route = st.route;
  const p = st.principal?.principal;
  st.core.metrics.observeTokens({
    route: route?.id ?? '_none',
    provider: target.providerId,
    model: route?.model ?? '_unknown',
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUSD: cost ?? 0,
    team: p?.team ?? '_none',
    key: p?.id ?? '_none',
  });
}
