import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, MAX_FIELD_CHARS } from '../../pkg/telemetry/logger.ts';

function capture(level: 'info' | 'debug' = 'debug') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

const CANARY = 'sk-canary-5f3a9c1e7b2d4f60';

describe('createLogger', () => {
  it('writes one JSON object per line with an ISO timestamp and a level label', () => {
    const { logger, lines } = capture();
    logger.info({ route: 'default/gpt' }, 'served');
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(rec.level).toBe('info');
    expect(rec.msg).toBe('served');
    expect(String(rec.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('E11 redacts credential-shaped fields at the top level, nested, and in headers', () => {
    const { logger, lines } = capture();
    logger.debug({
      authorization: `Bearer ${CANARY}`,
      apiKey: CANARY,
      password: CANARY,
      token: CANARY,
      req: { headers: { authorization: `Bearer ${CANARY}`, 'x-api-key': CANARY, 'api-key': CANARY, cookie: `s=${CANARY}` } },
      provider: { id: 'default/openai', credential: { header: 'authorization', value: `Bearer ${CANARY}` } },
      secret: { stringData: { key: CANARY } },
    }, 'debug dump');
    const out = lines.join('\n');
    for (let i = 0; i + 8 <= CANARY.length; i++) expect(out).not.toContain(CANARY.slice(i, i + 8));
    const rec = JSON.parse(lines[0] ?? '') as { provider: { id: string }; req: { headers: Record<string, string> } };
    expect(rec.provider.id).toBe('default/openai');
    expect(rec.req.headers['x-api-key']).toBe('[redacted]');
  });

  it('E14 log injection: CRLF, ANSI escapes and quotes stay inside one valid JSON line', () => {
    const { logger, lines } = capture();
    const evil = 'gpt\r\n{"level":"fatal","msg":"forged"}\u001b[31mred\u001b[0m"\\';
    logger.info({ model: evil, ua: evil }, 'request');
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(rec.model).toBe(evil);
    expect(rec.level).toBe('info');
  });

  it('E14 caps 100 KB values (top level and one level down)', () => {
    const { logger, lines } = capture();
    const big = 'A'.repeat(100_000);
    logger.info({ model: big, headers: { 'user-agent': big } }, 'request');
    expect(lines[0]?.length ?? 0).toBeLessThan(3 * MAX_FIELD_CHARS + 1000);
    const rec = JSON.parse(lines[0] ?? '') as { model: string; headers: Record<string, string> };
    expect(rec.model).toMatch(/…\[truncated 97952 chars\]$/);
    expect(rec.headers['user-agent']?.length).toBeLessThan(MAX_FIELD_CHARS + 50);
  });

  it('honours the level', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
  });
});
