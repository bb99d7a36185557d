// Flag value parsing shared by the commands. A FlagError becomes a usage error (exit status 2).
import { readFileSync } from 'node:fs';
import { IdentityConfigError, parseIdentityConfig } from '../pkg/identity/config.ts';
import type { IdentityConfig } from '../pkg/identity/config.ts';
import { LOG_LEVELS } from '../pkg/telemetry/logger.ts';
import type { LogLevel } from '../pkg/telemetry/logger.ts';
import type { AuthMode } from '../pkg/telemetry/types.ts';

export class FlagError extends Error {}

export function port(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || n > 65535) throw new FlagError(`${name} must be a port number (0-65535), not ${JSON.stringify(raw)}`);
  return n;
}

export function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,12}$/.test(raw) || Number(raw) < 1) throw new FlagError(`${name} must be a positive whole number, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function level(raw: string): LogLevel {
  const found = LOG_LEVELS.find((l) => l === raw);
  if (found === undefined) throw new FlagError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(raw)}`);
  return found;
}

/** --auth / SWITCHYARD_AUTH (ADR 0013): required unless open is asked for explicitly. */
export function authMode(raw: string | undefined): AuthMode {
  if (raw === undefined || raw === '') return 'required';
  if (raw === 'required' || raw === 'open') return raw;
  throw new FlagError(`--auth must be required or open, not ${JSON.stringify(raw.slice(0, 100))}`);
}

/** --oidc-config FILE / SWITCHYARD_OIDC_CONFIG (ADR 0017): the OIDC issuers, read and validated at startup. */
export function identityConfig(file: string | undefined): IdentityConfig | null {
  if (file === undefined || file === '') return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlagError(`--oidc-config ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parseIdentityConfig(text);
  } catch (err) {
    if (err instanceof IdentityConfigError) throw new FlagError(`--oidc-config ${file}: ${err.message}`);
    throw err;
  }
}

/** parseArgs options shared by the commands that run a data plane (serve, proxy). */
export const DATA_PLANE_OPTIONS = {
  port: { type: 'string', short: 'p' },
  'admin-port': { type: 'string' },
  host: { type: 'string' },
  'admin-host': { type: 'string' },
  'log-level': { type: 'string' },
  'otlp-endpoint': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  auth: { type: 'string' },
  'oidc-config': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
