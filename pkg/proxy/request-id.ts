// x-request-id: a client-provided id is kept only when it is short and made of safe characters (it ends up in logs
// and headers); otherwise a random UUID is generated.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isSafeRequestId(value: string): boolean {
  return SAFE_ID.test(value);
}

export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}
