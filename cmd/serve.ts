// `switchyard serve --config DIR [flags]`: parses flags, builds the logger, starts the standalone gateway and
// installs the shutdown handlers. Everything else lives in pkg/serve.
import { parseArgs } from 'node:util';
import { handleShutdownSignals } from '../pkg/serve/signals.ts';
import { createLogger } from '../pkg/telemetry/logger.ts';
import { DATA_PLANE_OPTIONS, FlagError, authMode, identityConfig, level, overloadSettings, port, positiveInt } from './flags.ts';
import { SERVE_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import { usageError } from './io.ts';

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: false,
    options: {
      config: { type: 'string', short: 'c' },
      ...DATA_PLANE_OPTIONS,
    },
  }).values;
}

/** Starts serving; resolves with an exit status only when startup fails (otherwise the process runs until a signal). */
export async function runServe(args: readonly string[], io: CliIO, version: string): Promise<number | 'running'> {
  const values = parse(args);
  if (values.help === true) {
    io.stdout(SERVE_HELP);
    return 0;
  }
  let settings;
  try {
    if (values.config === undefined || values.config === '') throw new FlagError('serve needs --config DIR');
    const maxBodyBytes = positiveInt('--max-body-bytes', values['max-body-bytes']);
    const host = values.host ?? io.env['SWITCHYARD_HOST'] ?? '0.0.0.0';
    const overload = overloadSettings(values, io.env);
    settings = {
      configDir: values.config,
      authMode: authMode(values.auth ?? io.env['SWITCHYARD_AUTH']),
      identity: identityConfig(values['oidc-config'] ?? io.env['SWITCHYARD_OIDC_CONFIG']),
      dataPort: port('--port', values.port ?? io.env['SWITCHYARD_PORT'], 8080),
      adminPort: port('--admin-port', values['admin-port'] ?? io.env['SWITCHYARD_ADMIN_PORT'], 9090),
      host,
      adminHost: values['admin-host'] ?? io.env['SWITCHYARD_ADMIN_HOST'] ?? host,
      level: level(values['log-level'] ?? io.env['SWITCHYARD_LOG_LEVEL'] ?? 'info'),
      otlpEndpoint: values['otlp-endpoint'],
      proxyOptions: { ...overload.limits, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) },
      drainTimeoutMs: overload.drainTimeoutMs,
    };
  } catch (err) {
    if (err instanceof FlagError) return usageError(io, err.message, SERVE_HELP);
    throw err;
  }
  const logger = createLogger({ level: settings.level });
  const { StartupError, startStandalone } = await import('../pkg/serve/standalone.ts');
  try {
    const gw = await startStandalone({ ...settings, logger, env: io.env, version, banner: (text) => io.stderr(`${text}\n`) });
    handleShutdownSignals({ close: () => gw.close(), logger, exit: (code) => process.exit(code) });
    return 'running';
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    logger.fatal({ reason: err.message }, 'switchyard could not start');
    io.stderr(`switchyard: ${err.message}\n`);
    return 1;
  }
}
