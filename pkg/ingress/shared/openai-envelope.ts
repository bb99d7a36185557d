// The OpenAI error envelope (catalogue §5.0): `{error:{message,type,param,code}}`, byte-identical for every OpenAI
// client API (chat, completions, embeddings, responses). The stream error event is the chat dialect's
// `data: {"error":…}\n\n` (no [DONE] follows).
import type { ErrorDialect, IngressError } from '../types.ts';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export function openaiErrorJson(e: IngressError): string {
  return JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}

export function openaiErrorResponse(e: IngressError): { readonly body: string; readonly headers: Readonly<Record<string, string>> } {
  return { body: openaiErrorJson(e), headers: NO_HEADERS };
}

export function openaiStreamErrorEvent(e: IngressError): string {
  return `data: ${openaiErrorJson(e)}\n\n`;
}

/** The OpenAI dialect for errors outside any ingress (unknown paths, /v1/models, framework errors). */
export const OPENAI_ERRORS: ErrorDialect = Object.freeze({
  errorResponse: (e: IngressError) => openaiErrorResponse(e),
  streamErrorEvent: openaiStreamErrorEvent,
});
