// Errors Node's HTTP parser raises before a request exists (malformed or conflicting Content-Length, CL+TE, bad
// header bytes, oversized headers, slow clients): answered with the OpenAI envelope and x-request-id, then the
// connection is closed (A2 smuggling cases, A8, A9).
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { errorJson, errorOut } from './error-reply.ts';
import type { ErrorOut } from './error-reply.ts';

function errorFor(code: string | undefined): ErrorOut {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return errorOut('request_timeout');
  if (code === 'HPE_HEADER_OVERFLOW') return errorOut('headers_too_large');
  return errorOut('bad_request');
}

export function createClientErrorHandler(logger: Logger): (err: Error & { code?: string }, socket: Socket) => void {
  return function clientErrorHandler(err, socket) {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const e = errorFor(err.code);
    const requestId = randomUUID();
    if (socket.writable) {
      const body = errorJson(e);
      socket.end(
        `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
        () => socket.destroy(),
      );
    } else {
      socket.destroy();
    }
    logger.info({ requestId, method: 'OTHER', path: '(unparsed)', status: e.status, code: e.code, parserError: typeof err.code === 'string' ? err.code.slice(0, 64) : 'unknown' }, 'request');
  };
}
