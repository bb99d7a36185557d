// Usage → request facts, token metrics and cost from the table's prices (per token, precomputed at load).
// Input tokens include cached ones (OpenAI convention): cached tokens are charged at the cached rate only (B14).
// Cost is rounded once, here, to whole nano-dollars (1e-9 USD): the access log and the metrics see the same figure
// and never a binary-float tail such as 0.000001230000000001.
import type { Usage } from '../../providers/types.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeTarget, TargetPrice } from '../runtime-table.ts';

/** Rounds a USD amount to 1e-9 (integer nano-dollars divided by 1e9 prints as the short decimal). */
export function roundUSD(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}

export function costUSD(usage: Usage, price: TargetPrice | null): number | null {
  if (price === null) return null;
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  return roundUSD((usage.inputTokens - cached) * price.input + cached * price.cachedInput + usage.outputTokens * price.output);
}

export function recordUsage(st: RequestState, target: RuntimeTarget, usage: Usage | null): void {
  if (usage === null) return;
  st.tokensIn = usage.inputTokens;
  st.tokensOut = usage.outputTokens;
  st.usageEstimated = usage.estimated === true;
  const cost = costUSD(usage, target.price);
  st.costUSD = cost;
  const route = st.route;
  st.core.metrics.observeTokens({
    route: route?.id ?? '_none',
    provider: target.providerId,
    model: route?.model ?? '_unknown',
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUSD: cost ?? 0,
  });
}
