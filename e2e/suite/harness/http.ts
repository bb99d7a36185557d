// Small HTTP helpers for the suite: JSON GETs against admin ports, Prometheus text parsing, one chat request.
import { fetch } from 'undici';

export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

export async function getJson(url: string, timeoutMs = 3_000): Promise<JsonAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

export async function getText(url: string, timeoutMs = 3_000): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return text;
}

/**
 * Sum of the samples of `name` in Prometheus text whose labels include every pair of `labels`
 * (`name` itself, not the _bucket/_sum/_count series unless asked for by full name).
 */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    const lbl = m[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => lbl.includes(`${k}="${v}"`))) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

export interface ChatAnswer {
  readonly status: number;
  readonly code: string | null;
  readonly body: unknown;
  /** The Retry-After header, or null. */
  readonly retryAfter: string | null;
}

/** One non-streaming chat completion through a proxy. */
export async function chat(dataUrl: string, model: string, apiKey?: string, timeoutMs = 10_000): Promise<ChatAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
  const res = await fetch(`${dataUrl}/v1/chat/completions`, {
    method: 'POST', headers, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  const err = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown } }).error : undefined;
  return { status: res.status, code: typeof err?.code === 'string' ? err.code : null, body, retryAfter: res.headers.get('retry-after') };
}
