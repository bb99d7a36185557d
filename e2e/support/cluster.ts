// A real etcd + kube-apiserver for e2e tests, spawned from binaries that
// `bash scripts/k8s-testenv.sh build` puts in a per-version cache (no Docker, no kubelet).
// Auth is a static bearer token in system:masters; TLS is the apiserver's own
// self-signed serving cert (apiserver.crt = leaf + its CA), which Node verifies.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile, readFile, access, constants } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { freePort } from './ports.ts';
import { signalGroup } from './signals.ts';

export interface StartClusterOptions {
  /** Directory holding the etcd and kube-apiserver binaries. */
  binDir: string;
  /** Where etcd.log / kube-apiserver.log go; default: <temp dir>/logs (removed by stop()). */
  logDir?: string;
  /** Readiness deadline per start, default 120 s. */
  startTimeoutMs?: number;
  /** Extra kube-apiserver flags (e.g. --feature-gates=...). */
  extraApiServerArgs?: string[];
}

export interface Cluster {
  /** Path of a kubeconfig (cluster/user/context "e2e") for kubectl, helm, client-node. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of user e2e-admin (group system:masters). */
  token: string;
  /** PEM file that verifies the apiserver's serving cert. */
  caFile: string;
  /** Contents of caFile. */
  ca: string;
  /** The temp dir (etcd data, certs, kubeconfig). */
  dir: string;
  logDir: string;
  /** An undici dispatcher that trusts `ca`, for fetch(..., { dispatcher }); valid across apiserver restarts, closed by stop(). */
  dispatcher: Agent;
  /** Stops kube-apiserver (etcd and its data stay); the port stays reserved for startApiServer(). */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port against the same etcd; resolves when ready. */
  startApiServer(): Promise<void>;
  /** Kills both process groups (SIGTERM, SIGKILL after 5 s) and removes the temp dir. */
  stop(): Promise<void>;
}

const TOKEN = 'switchyard-e2e-admin-token';
const POLL_MS = 250;
const KILL_GRACE_MS = 5_000;

/** Processes still running in this Node process, killed synchronously on exit as a last resort. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) signalGroup(child, 'SIGKILL');
});



function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
  name: string;
  log: string;
}

function startProc(name: string, bin: string, args: string[], log: string): Proc {
  const fd = openSync(log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env } });
  } finally {
    closeSync(fd);
  }
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });
  return { child, exited, name, log };
}

async function stopProc(proc: Proc | undefined): Promise<void> {
  if (!proc) return;
  signalGroup(proc.child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(proc.child, 'SIGKILL'), KILL_GRACE_MS);
  await proc.exited;
  clearTimeout(timer);
  // Whatever else is in the group (there should be nothing) goes too.
  signalGroup(proc.child, 'SIGKILL');
}

function isRunning(proc: Proc): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

function startupError(proc: Proc, what: string): Error {
  return new Error(`${proc.name} ${what}\n--- last lines of ${proc.log} ---\n${tail(proc.log)}`);
}

/** Polls `probe` every 250 ms until it returns true; fails early if `proc` dies. */
async function waitFor(proc: Proc, deadline: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (!isRunning(proc)) {
      throw startupError(proc, `exited (code ${proc.child.exitCode ?? proc.child.signalCode}) before ${what}`);
    }
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw startupError(proc, `not ready (${what}) within the deadline`);
    await sleep(POLL_MS);
  }
}

async function checkBinary(path: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`missing test binary ${path}; run: bash scripts/k8s-testenv.sh build`);
  }
}

export async function startCluster(opts: StartClusterOptions): Promise<Cluster> {
  const etcdBin = join(opts.binDir, 'etcd');
  const apiBin = join(opts.binDir, 'kube-apiserver');
  await checkBinary(etcdBin);
  await checkBinary(apiBin);
  const timeoutMs = opts.startTimeoutMs ?? 120_000;

  const dir = await mkdtemp(join(tmpdir(), 'switchyard-k8s-'));
  const logDir = opts.logDir ?? join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });

  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [etcdPort, peerPort, apiPort] = [...ports] as [number, number, number];
  const server = `https://127.0.0.1:${apiPort}`;
  const caFile = join(pki, 'apiserver.crt');

  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await writeFile(join(dir, 'sa.pub'), publicKey);
  await writeFile(join(dir, 'sa.key'), privateKey, { mode: 0o600 });
  await writeFile(join(dir, 'tokens.csv'), `${TOKEN},e2e-admin,e2e-admin,"system:masters"\n`, { mode: 0o600 });

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcdArgs = [
    '--name=e2e',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=e2e=${peerUrl}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
  const apiArgs = [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${pki}`,
    `--secure-port=${apiPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    '--authorization-mode=RBAC',
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--disable-admission-plugins=ServiceAccount',
    ...(opts.extraApiServerArgs ?? []),
  ];

  let etcd: Proc | undefined;
  let api: Proc | undefined;
  let dispatcher: Agent | undefined;
  let stopped = false;

  const etcdLog = join(logDir, 'etcd.log');
  const apiLog = join(logDir, 'kube-apiserver.log');

  const getDispatcher = async (): Promise<Agent> => {
    if (!dispatcher) {
      const ca = await readFile(caFile, 'utf8');
      dispatcher = new Agent({ connect: { ca }, keepAliveTimeout: 1_000 });
    }
    return dispatcher;
  };

  const authGet = async (path: string): Promise<number> => {
    const res = await fetch(`${server}${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      dispatcher: await getDispatcher(),
      signal: AbortSignal.timeout(5_000),
    });
    await res.arrayBuffer();
    return res.status;
  };

  const startApi = async (): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    api = startProc('kube-apiserver', apiBin, apiArgs, apiLog);
    const proc = api;
    // The self-signed serving cert is written into --cert-dir before the server listens.
    await waitFor(proc, deadline, `writing ${caFile}`, async () => existsSync(caFile));
    await waitFor(proc, deadline, 'GET /readyz -> 200', async () => (await authGet('/readyz')) === 200);
    await waitFor(proc, deadline, 'GET /api/v1/namespaces/default -> 200', async () => (await authGet('/api/v1/namespaces/default')) === 200);
  };

  const stopApi = async (): Promise<void> => {
    const proc = api;
    api = undefined;
    await stopProc(proc);
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopApi();
    const e = etcd;
    etcd = undefined;
    await stopProc(e);
    const d = dispatcher;
    dispatcher = undefined;
    if (d) await d.destroy().catch(() => undefined);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    etcd = startProc('etcd', etcdBin, etcdArgs, etcdLog);
    const etcdProc = etcd;
    await waitFor(etcdProc, Date.now() + timeoutMs, 'GET /health -> 200', async () => {
      const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      return res.status === 200 && body.includes('"health":"true"');
    });
    await startApi();
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const ca = await readFile(caFile, 'utf8');
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: e2e',
      '  cluster:',
      `    server: ${JSON.stringify(server)}`,
      `    certificate-authority: ${JSON.stringify(caFile)}`,
      'users:',
      '- name: e2e-admin',
      '  user:',
      `    token: ${JSON.stringify(TOKEN)}`,
      'contexts:',
      '- name: e2e',
      '  context:',
      '    cluster: e2e',
      '    user: e2e-admin',
      'current-context: e2e',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const cluster: Cluster = {
    kubeconfigPath,
    server,
    token: TOKEN,
    caFile,
    ca,
    dir,
    logDir,
    dispatcher: await getDispatcher(),
    stopApiServer: stopApi,
    startApiServer: async () => {
      if (stopped) throw new Error('cluster was stopped');
      if (api && isRunning(api)) return;
      await startApi();
    },
    stop,
  };
  return cluster;
}
