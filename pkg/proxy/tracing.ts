// Spans with the OpenTelemetry GenAI semantic conventions: one server span per inference request
// (`chat {model}` / `embeddings {model}`) and one client span per upstream attempt. Callers only get here when a
// tracer was injected, so a gateway without tracing pays one null check per request.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import type { Operation } from '../providers/types.ts';
import type { RuntimeTarget } from './runtime-table.ts';

const OPERATION_NAME: Readonly<Record<Operation, string>> = { chat: 'chat', embeddings: 'embeddings' };

/** Requested model names come from the client: bounded before they become a span name or attribute. */
function bounded(name: string): string {
  return name.length > 128 ? name.slice(0, 128) : name;
}

export function startRequestSpan(tracer: Tracer, op: Operation, model: string): Span {
  const m = bounded(model);
  return tracer.startSpan(`${OPERATION_NAME[op]} ${m}`, {
    kind: SpanKind.SERVER,
    attributes: { 'gen_ai.operation.name': OPERATION_NAME[op], 'gen_ai.request.model': m },
  });
}

export function startAttemptSpan(tracer: Tracer, parent: Span, op: Operation, target: RuntimeTarget, attempt: number): Span {
  const provider = target.bound.provider;
  return tracer.startSpan(
    `${OPERATION_NAME[op]} ${target.bound.model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': OPERATION_NAME[op],
        'gen_ai.provider.name': provider.type,
        'gen_ai.request.model': target.bound.model,
        'server.address': target.serverAddress,
        'switchyard.provider': provider.id,
        'switchyard.attempt': attempt,
      },
    },
    trace.setSpan(context.active(), parent),
  );
}

/** Ends an attempt span: outcome 'ok' or a FailureKind (recorded as error.type). */
export function endAttemptSpan(span: Span, outcome: string, status: number): void {
  if (status > 0) span.setAttribute('http.response.status_code', status);
  if (outcome !== 'ok') {
    span.setAttribute('error.type', outcome);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

export interface RequestSpanFacts {
  readonly code: string;
  readonly target: RuntimeTarget | null;
  readonly tokensIn: number | null;
  readonly tokensOut: number | null;
}

export function endRequestSpan(span: Span, facts: RequestSpanFacts, status: number): void {
  const t = facts.target;
  if (t !== null) {
    span.setAttribute('gen_ai.provider.name', t.bound.provider.type);
    span.setAttribute('gen_ai.response.model', t.bound.model);
    span.setAttribute('server.address', t.serverAddress);
  }
  if (facts.tokensIn !== null) span.setAttribute('gen_ai.usage.input_tokens', facts.tokensIn);
  if (facts.tokensOut !== null) span.setAttribute('gen_ai.usage.output_tokens', facts.tokensOut);
  span.setAttribute('http.response.status_code', status);
  if (facts.code !== '') {
    span.setAttribute('error.type', facts.code);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
