// The fault upstream as its own process for the load scripts: `node bench/load/upstream.ts` prints one JSON line
// {"port":N} once listening and exits when its stdin closes (the load script died) or on SIGTERM.
import { startFaultUpstream } from '../../test/support/fault-upstream.ts';

const up = await startFaultUpstream();
// The fake records every request; a load run sends hundreds of thousands, so keep none.
const trim = setInterval(() => up.reset(), 1000);
process.stdout.write(`${JSON.stringify({ port: Number(new URL(up.origin).port) })}\n`);
const stop = (): void => {
  clearInterval(trim);
  void up.close().then(() => process.exit(0));
};
process.stdin.on('end', stop).on('close', stop).resume();
process.on('SIGTERM', stop);
