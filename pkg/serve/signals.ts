// Graceful shutdown on SIGTERM/SIGINT: the first signal closes (drain, then exit 0; exit 1 if closing fails);
// a second signal exits at once.
import type { Logger } from 'pino';

export interface ShutdownOptions {
  readonly close: () => Promise<void>;
  readonly logger: Logger;
  readonly exit: (code: number) => void;
  readonly signals?: readonly NodeJS.Signals[];
}

/** Installs the handlers; returns a function that removes them. */
export function handleShutdownSignals(opts: ShutdownOptions): () => void {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      opts.logger.warn({ signal }, 'second signal: exiting now');
      opts.exit(1);
      return;
    }
    shuttingDown = true;
    opts.logger.info({ signal }, 'signal received: shutting down gracefully');
    opts.close().then(
      () => opts.exit(0),
      (err: unknown) => {
        opts.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        opts.exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
