// `switchyard operator [flags]`: parses flags, builds the logger, the Kubernetes transport, the sync authentication
// and the health aggregator, starts the operator (pkg/operator) and installs the shutdown handlers (which release
// the leader Lease, so a standby takes over at once).
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { durationMs } from '../pkg/api/duration.ts';
import { handleShutdownSignals } from '../pkg/serve/signals.ts';
import { createLogger } from '../pkg/telemetry/logger.ts';
import type { Logger } from 'pino';
import { FlagError, level, port, positiveInt } from './flags.ts';
import { OPERATOR_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import { usageError } from './io.ts';

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: false,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'lease-namespace': { type: 'string' },
      'lease-name': { type: 'string' },
      identity: { type: 'string' },
      'sync-port': { type: 'string' },
      'admin-port': { type: 'string' },
      host: { type: 'string' },
      'admin-host': { type: 'string' },
      'sync-token-file': { type: 'string' },
      'sync-token-secret': { type: 'string' },
      'sync-auth': { type: 'string' },
      'sync-allow': { type: 'string' },
      'lease-duration': { type: 'string' },
      'renew-deadline': { type: 'string' },
      'retry-period': { type: 'string' },
      'status-qps': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

type Values = ReturnType<typeof parse>;

function duration(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  try {
    const ms = durationMs(raw);
    if (ms <= 0) throw new Error('zero');
    return ms;
  } catch {
    throw new FlagError(`${name} must be a duration such as 500ms, 10s or 1m, not ${JSON.stringify(raw)}`);
  }
}

/** Pod name (POD_NAME from the downward API), else hostname-pid: unique per process (C9). */
export function defaultIdentity(env: CliIO['env'], host: string, pid: number): string {
  const pod = env['POD_NAME'];
  if (pod !== undefined && pod !== '') return pod;
  return `${host}-${pid}`;
}

type AuthChoice =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'secret'; readonly location: string }
  | { readonly kind: 'tokenreview'; readonly allow: readonly string[] | undefined }
  | { readonly kind: 'env' };

function authChoice(values: Values, env: CliIO['env']): AuthChoice {
  const chosen = [values['sync-token-file'], values['sync-token-secret'], values['sync-auth']].filter((v) => v !== undefined);
  if (chosen.length > 1) throw new FlagError('choose one of --sync-token-file, --sync-token-secret and --sync-auth tokenreview');
  const allow = values['sync-allow']?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (allow !== undefined && values['sync-auth'] === undefined) throw new FlagError('--sync-allow goes with --sync-auth tokenreview');
  if (values['sync-token-file'] !== undefined) return { kind: 'file', file: values['sync-token-file'] };
  if (values['sync-token-secret'] !== undefined) {
    if (values['sync-token-secret'].split('/').filter((p) => p !== '').length !== 3) throw new FlagError('--sync-token-secret must be NAMESPACE/NAME/KEY');
    return { kind: 'secret', location: values['sync-token-secret'] };
  }
  if (values['sync-auth'] !== undefined) {
    if (values['sync-auth'] !== 'tokenreview') throw new FlagError(`--sync-auth must be tokenreview, not ${JSON.stringify(values['sync-auth'])}`);
    return { kind: 'tokenreview', allow };
  }
  if ((env['SWITCHYARD_SYNC_TOKEN'] ?? '').trim() !== '') return { kind: 'env' };
  throw new FlagError('operator needs sync authentication: --sync-token-file F, --sync-token-secret NS/NAME/KEY, --sync-auth tokenreview, or SWITCHYARD_SYNC_TOKEN');
}

function settingsFrom(values: Values, env: CliIO['env']) {
  const leaseDurationMs = duration('--lease-duration', values['lease-duration'], 10_000);
  const renewDeadlineMs = duration('--renew-deadline', values['renew-deadline'], 7_000);
  const retryPeriodMs = duration('--retry-period', values['retry-period'], 2_000);
  if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
    throw new FlagError('leader election needs --retry-period < --renew-deadline < --lease-duration');
  }
  const host = values.host ?? env['SWITCHYARD_HOST'] ?? '0.0.0.0';
  const namespace = values.namespace === undefined || values.namespace === '' ? undefined : values.namespace;
  return {
    kubeconfig: values.kubeconfig,
    namespace,
    leaseNamespace: values['lease-namespace'],
    leaseName: values['lease-name'] ?? 'switchyard-operator',
    identity: values.identity ?? defaultIdentity(env, hostname(), process.pid),
    syncPort: port('--sync-port', values['sync-port'] ?? env['SWITCHYARD_SYNC_PORT'], 8081),
    adminPort: port('--admin-port', values['admin-port'] ?? env['SWITCHYARD_ADMIN_PORT'], 9091),
    host,
    adminHost: values['admin-host'] ?? env['SWITCHYARD_ADMIN_HOST'] ?? host,
    auth: authChoice(values, env),
    lease: { leaseDurationMs, renewDeadlineMs, retryPeriodMs },
    statusQps: positiveInt('--status-qps', values['status-qps']),
    level: level(values['log-level'] ?? env['SWITCHYARD_LOG_LEVEL'] ?? 'info'),
  };
}

type Settings = ReturnType<typeof settingsFrom>;

class StartError extends Error {}

async function buildAuth(s: Settings, env: CliIO['env'], kc: import('@kubernetes/client-node').KubeConfig, logger: Logger) {
  const { createKubeTransport } = await import('../pkg/operator/kube/transport.ts');
  const tokens = await import('../pkg/operator/sync-token.ts');
  const a = s.auth;
  try {
    if (a.kind === 'tokenreview') {
      const { tokenReviewAuth } = await import('../pkg/sync/auth.ts');
      if (a.allow === undefined) logger.warn('--sync-auth tokenreview without --sync-allow: any ServiceAccount of the cluster can read routing tables (they hold provider credentials)');
      return { auth: tokenReviewAuth(kc, a.allow === undefined ? {} : { allow: a.allow }), stop: () => undefined, describe: `TokenReview${a.allow ? ` (allowed: ${a.allow.join(', ')})` : ''}` };
    }
    if (a.kind === 'env') {
      const { sharedTokenAuth } = await import('../pkg/sync/auth.ts');
      return { auth: sharedTokenAuth((env['SWITCHYARD_SYNC_TOKEN'] ?? '').trim()), stop: () => undefined, describe: 'shared token (SWITCHYARD_SYNC_TOKEN)' };
    }
    if (a.kind === 'file') {
      const auth = await tokens.refreshingTokenAuth(tokens.fileTokenLoader(a.file), logger);
      return { auth, stop: auth.stop, describe: `shared token (file ${a.file})` };
    }
    const loc = tokens.parseSecretKeyLocation(a.location);
    if (loc === null) throw new Error('--sync-token-secret must be NAMESPACE/NAME/KEY');
    const auth = await tokens.refreshingTokenAuth(tokens.secretTokenLoader(createKubeTransport(kc), loc), logger);
    return { auth, stop: auth.stop, describe: `shared token (Secret ${loc.namespace}/${loc.name} key ${loc.key})` };
  } catch (err) {
    throw new StartError(err instanceof Error ? err.message : String(err));
  }
}

interface BannerInput {
  readonly version: string;
  readonly s: Pick<Settings, 'namespace' | 'leaseName' | 'identity' | 'lease'>;
  readonly server: string;
  readonly source: string;
  readonly leaseNamespace: string;
  readonly authDescription: string;
  readonly syncUrl: string;
  readonly adminUrl: string;
}

export function formatOperatorBanner(b: BannerInput): string {
  const l = b.s.lease;
  return [
    `Switchyard ${b.version} — operator`,
    `  kubernetes  ${b.server}  (credentials: ${b.source})`,
    `  watching    ${b.s.namespace === undefined ? 'all namespaces' : `namespace ${b.s.namespace}`}`,
    `  lease       ${b.leaseNamespace}/${b.s.leaseName} as ${b.s.identity}  (duration ${l.leaseDurationMs / 1000}s, renew deadline ${l.renewDeadlineMs / 1000}s, retry ${l.retryPeriodMs / 1000}s)`,
    `  sync        ${b.syncUrl}/sync/v1  (auth: ${b.authDescription})`,
    `  admin       ${b.adminUrl}/metrics  /healthz  /readyz  /debug/operator  /debug/table`,
  ].join('\n');
}

async function start(s: Settings, io: CliIO, version: string, logger: Logger): Promise<void> {
  const { loadKubeConfig } = await import('../pkg/operator/kube/kubeconfig.ts');
  const { createKubeTransport } = await import('../pkg/operator/kube/transport.ts');
  const { createHealthAggregator } = await import('../pkg/operator/health.ts');
  const { OperatorStartupError, startOperator } = await import('../pkg/operator/operator.ts');
  let loaded;
  try {
    loaded = loadKubeConfig({ file: s.kubeconfig, env: io.env });
  } catch (err) {
    throw new StartError(err instanceof Error ? err.message : String(err));
  }
  const auth = await buildAuth(s, io.env, loaded.kc, logger);
  const transport = createKubeTransport(loaded.kc);
  const leaseNamespace = s.leaseNamespace ?? s.namespace ?? loaded.namespace;
  const op = await startOperator({
    transport, logger, auth: auth.auth, health: createHealthAggregator({ clock: Date.now }),
    namespace: s.namespace,
    lease: { namespace: leaseNamespace, name: s.leaseName, identity: s.identity, ...s.lease },
    syncPort: s.syncPort, adminPort: s.adminPort, host: s.host, adminHost: s.adminHost,
    ...(s.statusQps === undefined ? {} : { statusQps: s.statusQps }),
  }).catch((err: unknown) => {
    auth.stop();
    throw err instanceof OperatorStartupError ? new StartError(err.message) : err;
  });
  logger.info({ syncUrl: op.syncUrl, adminUrl: op.adminUrl, identity: s.identity, namespace: s.namespace ?? '(all)', lease: `${leaseNamespace}/${s.leaseName}` }, 'switchyard operator started');
  io.stderr(`${formatOperatorBanner({
    version, s, server: transport.server, source: loaded.source, leaseNamespace, authDescription: auth.describe, syncUrl: op.syncUrl, adminUrl: op.adminUrl,
  })}\n`);
  handleShutdownSignals({
    close: async () => {
      await op.close();
      auth.stop();
    },
    logger,
    exit: (code) => process.exit(code),
  });
}

/** Starts the operator; resolves with an exit status only when startup fails (otherwise it runs until a signal). */
export async function runOperator(args: readonly string[], io: CliIO, version: string): Promise<number | 'running'> {
  const values = parse(args);
  if (values.help === true) {
    io.stdout(OPERATOR_HELP);
    return 0;
  }
  let settings: Settings;
  try {
    settings = settingsFrom(values, io.env);
  } catch (err) {
    if (err instanceof FlagError) return usageError(io, err.message, OPERATOR_HELP);
    throw err;
  }
  const logger = createLogger({ level: settings.level });
  try {
    await start(settings, io, version, logger);
    return 'running';
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    logger.fatal({ reason: err.message }, 'switchyard operator could not start');
    io.stderr(`switchyard: ${err.message}\n`);
    return 1;
  }
}
