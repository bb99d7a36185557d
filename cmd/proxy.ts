// `switchyard proxy --sync URL[,URL…] [flags]`: parses flags, builds the logger, starts the data plane fed by the
// operator and installs the shutdown handlers. Everything else lives in pkg/sync and pkg/serve.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { handleShutdownSignals } from '../pkg/serve/signals.ts';
import { createLogger } from '../pkg/telemetry/logger.ts';
import { DATA_PLANE_OPTIONS, FlagError, authMode, identityConfig, level, overloadSettings, port, positiveInt } from './flags.ts';
import { PROXY_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import type { QuotaFailMode } from '../pkg/quota/cluster-allowance.ts';
import { usageError } from './io.ts';

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: false,
    options: {
      sync: { type: 'string' },
      'sync-token-file': { type: 'string' },
      'proxy-id': { type: 'string' },
      bootstrap: { type: 'string' },
      'snapshot-out': { type: 'string' },
      'quota-fail-mode': { type: 'string' },
      ...DATA_PLANE_OPTIONS,
    },
  }).values;
}

function syncUrls(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') throw new FlagError('proxy needs --sync URL (the operator\'s sync address, e.g. http://switchyard-operator:8443)');
  const urls = raw.split(',').map((u) => u.trim()).filter((u) => u !== '');
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new FlagError(`--sync: ${JSON.stringify(u.slice(0, 200))} is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new FlagError(`--sync: ${parsed.protocol} URLs are not supported (use http or https)`);
    if (parsed.username !== '' || parsed.password !== '') throw new FlagError('--sync: put the token in --sync-token-file or SWITCHYARD_SYNC_TOKEN, not in the URL');
  }
  return urls;
}

/** The token source: the file is re-read for every call (projected ServiceAccount tokens rotate). */
function tokenSource(file: string | undefined, env: CliIO['env']): string | (() => Promise<string>) {
  if (file !== undefined && file !== '') {
    try {
      if (readFileSync(file, 'utf8').trim() === '') throw new FlagError(`--sync-token-file ${file} is empty`);
    } catch (err) {
      if (err instanceof FlagError) throw err;
      throw new FlagError(`--sync-token-file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return async () => (await readFile(file, 'utf8')).trim();
  }
  const fromEnv = env['SWITCHYARD_SYNC_TOKEN'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  throw new FlagError('proxy needs a sync token: --sync-token-file FILE or the SWITCHYARD_SYNC_TOKEN environment variable');
}

/** --quota-fail-mode / SWITCHYARD_QUOTA_FAIL_MODE (ADR 0020). Default closed: the limits hold. */
function quotaFailMode(raw: string | undefined): QuotaFailMode {
  if (raw === undefined || raw === '') return 'closed';
  if (raw === 'closed' || raw === 'open') return raw;
  throw new FlagError(`--quota-fail-mode must be closed or open, not ${JSON.stringify(raw.slice(0, 100))}`);
}

/** hostname-pid, reduced to the characters a proxy id may hold. */
export function defaultProxyId(host: string, pid: number): string {
  const clean = host.replace(/[^A-Za-z0-9._:-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 200);
  return `${clean === '' ? 'proxy' : clean}-${pid}`;
}

function settingsFrom(values: ReturnType<typeof parse>, env: CliIO['env']) {
  const proxyId = values['proxy-id'] ?? defaultProxyId(hostname(), process.pid);
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/.test(proxyId)) throw new FlagError('--proxy-id must be 1-253 characters of [A-Za-z0-9._:-], starting with a letter or digit');
  const maxBodyBytes = positiveInt('--max-body-bytes', values['max-body-bytes']);
  const host = values.host ?? env['SWITCHYARD_HOST'] ?? '0.0.0.0';
  const overload = overloadSettings(values, env);
  return {
    syncUrls: syncUrls(values.sync ?? env['SWITCHYARD_SYNC_URL']),
    token: tokenSource(values['sync-token-file'] ?? env['SWITCHYARD_SYNC_TOKEN_FILE'], env),
    proxyId,
    authMode: authMode(values.auth ?? env['SWITCHYARD_AUTH']),
    quotaFailMode: quotaFailMode(values['quota-fail-mode'] ?? env['SWITCHYARD_QUOTA_FAIL_MODE']),
    identity: identityConfig(values['oidc-config'] ?? env['SWITCHYARD_OIDC_CONFIG']),
    ...(values.bootstrap === undefined ? {} : { bootstrapFile: values.bootstrap }),
    ...(values['snapshot-out'] === undefined ? {} : { snapshotOut: values['snapshot-out'] }),
    dataPort: port('--port', values.port ?? env['SWITCHYARD_PORT'], 8080),
    adminPort: port('--admin-port', values['admin-port'] ?? env['SWITCHYARD_ADMIN_PORT'], 9090),
    host,
    adminHost: values['admin-host'] ?? env['SWITCHYARD_ADMIN_HOST'] ?? host,
    level: level(values['log-level'] ?? env['SWITCHYARD_LOG_LEVEL'] ?? 'info'),
    otlpEndpoint: values['otlp-endpoint'],
    proxyOptions: { ...overload.limits, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) },
    drainTimeoutMs: overload.drainTimeoutMs,
  };
}

function plainHttpRemote(urls: readonly string[]): boolean {
  return urls.some((u) => {
    const p = new URL(u);
    return p.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(p.hostname);
  });
}

/** Starts proxying; resolves with an exit status only when startup fails (otherwise the process runs until a signal). */
export async function runProxy(args: readonly string[], io: CliIO, version: string): Promise<number | 'running'> {
  const values = parse(args);
  if (values.help === true) {
    io.stdout(PROXY_HELP);
    return 0;
  }
  let settings;
  try {
    settings = settingsFrom(values, io.env);
  } catch (err) {
    if (err instanceof FlagError) return usageError(io, err.message, PROXY_HELP);
    throw err;
  }
  const logger = createLogger({ level: settings.level });
  if (plainHttpRemote(settings.syncUrls)) {
    logger.warn('the sync URL is plain http: routing tables (which hold provider credentials) cross the network unencrypted; use https or a mesh with mTLS');
  }
  const { StartupError } = await import('../pkg/serve/dataplane.ts');
  const { startSyncedProxy } = await import('../pkg/sync/proxy-mode.ts');
  try {
    const proxy = await startSyncedProxy({ ...settings, logger, env: io.env, version, banner: (text) => io.stderr(`${text}\n`) });
    handleShutdownSignals({ close: () => proxy.close(), logger, exit: (code) => process.exit(code) });
    return 'running';
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    logger.fatal({ reason: err.message }, 'switchyard proxy could not start');
    io.stderr(`switchyard: ${err.message}\n`);
    return 1;
  }
}
