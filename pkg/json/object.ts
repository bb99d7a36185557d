// JSON text that must be an object (an upstream answer or stream event): the parsed object, or null for anything
// else (invalid JSON, an array, a scalar, null).

export function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
