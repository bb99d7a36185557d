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
  'max-inflight': { type: 'string' },
  'max-inflight-per-key': { type: 'string' },
  'max-inflight-per-team': { type: 'string' },
  'max-event-loop-delay': { type: 'string' },
  'drain-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Defaults of the overload and drain flags (docs/configuration.md, ADR 0023). */
export const OVERLOAD_DEFAULTS = {
  maxInflight: 4096,
  maxInflightPerKey: 1024,
  maxInflightPerTeam: 2048,
  maxEventLoopDelayMs: 1000,
  drainTimeoutMs: 20_000,
} as const;

function count(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new FlagError(`${name} must be a whole number (0 = no limit), not ${JSON.stringify(raw.slice(0, 100))}`);
  return Number(raw);
}

function duration(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d{1,9})(ms|s|m)$/.exec(raw);
  if (m === null) throw new FlagError(`${name} must be a duration such as 500ms, 20s or 1m, not ${JSON.stringify(raw.slice(0, 100))}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

interface OverloadValues {
  readonly 'max-inflight'?: string | undefined;
  readonly 'max-inflight-per-key'?: string | undefined;
  readonly 'max-inflight-per-team'?: string | undefined;
  readonly 'max-event-loop-delay'?: string | undefined;
  readonly 'drain-timeout'?: string | undefined;
}

/**
 * --max-inflight, --max-inflight-per-key, --max-inflight-per-team (0 = no limit), --max-event-loop-delay (0 = off)
 * and --drain-timeout, each with its SWITCHYARD_* environment variable; defaults in OVERLOAD_DEFAULTS.
 */
export function overloadSettings(values: OverloadValues, env: Readonly<Record<string, string | undefined>>) {
  const d = OVERLOAD_DEFAULTS;
  return {
    limits: {
      maxInflight: count('--max-inflight', values['max-inflight'] ?? env['SWITCHYARD_MAX_INFLIGHT'], d.maxInflight),
      maxInflightPerKey: count('--max-inflight-per-key', values['max-inflight-per-key'] ?? env['SWITCHYARD_MAX_INFLIGHT_PER_KEY'], d.maxInflightPerKey),
      maxInflightPerTeam: count('--max-inflight-per-team', values['max-inflight-per-team'] ?? env['SWITCHYARD_MAX_INFLIGHT_PER_TEAM'], d.maxInflightPerTeam),
      maxEventLoopDelayMs: duration('--max-event-loop-delay', values['max-event-loop-delay'] ?? env['SWITCHYARD_MAX_EVENT_LOOP_DELAY'], d.maxEventLoopDelayMs),
    },
    drainTimeoutMs: duration('--drain-timeout', values['drain-timeout'] ?? env['SWITCHYARD_DRAIN_TIMEOUT'], d.drainTimeoutMs),
  };
}
