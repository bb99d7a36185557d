import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { resolveTracesUrl, startTracing } from '../../pkg/telemetry/tracing.ts';

const logger = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('tracing', () => {
  it('is off (tracer null) without an endpoint', async () => {
    const t = await startTracing({ serviceName: 'switchyard', logger, env: {} });
    expect(t.tracer).toBeNull();
    expect(t.url).toBeNull();
    await t.shutdown();
  });

  it('resolves the traces URL from the flag, then the traces env var, then the base env var', () => {
    expect(resolveTracesUrl('http://c:4318', {})).toBe('http://c:4318/v1/traces');
    expect(resolveTracesUrl('http://c:4318/v1/traces', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' })).toBe('http://c:4318/v1/traces');
    expect(resolveTracesUrl(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b' })).toBe('http://t/custom');
    expect(resolveTracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b:4318/' })).toBe('http://b:4318/v1/traces');
    expect(resolveTracesUrl(undefined, {})).toBeNull();
  });

  it('rejects a non-http endpoint', async () => {
    await expect(startTracing({ endpoint: 'file:///etc/passwd', serviceName: 's', logger, env: {} })).rejects.toThrow(/http/);
  });

  it('exports spans over OTLP/HTTP to the configured endpoint and flushes on shutdown', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const t = await startTracing({ endpoint: `http://127.0.0.1:${port}`, serviceName: 'switchyard-test', logger, env: {} });
      expect(t.tracer).not.toBeNull();
      t.tracer?.startSpan('test-span').end();
      await t.shutdown();
      expect(received.length).toBeGreaterThan(0);
      expect(received[0]).toMatch(/^POST \/v1\/traces /);
      expect(received.join('')).toContain('test-span');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
