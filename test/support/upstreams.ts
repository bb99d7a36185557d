// Upstream addresses and Provider manifests shared by the proxy tests: a loopback port that refuses connections,
// and an anthropic-type Provider with its credential Secret.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { NS, secret } from '../proxy/harness.ts';

/** A loopback base URL nothing listens on (the port was bound, then released): connections are refused. */
export async function closedPortURL(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}/v1`;
}

/** An anthropic-type Provider `name` at `baseURL`, its API key in the Secret `<name>-cred`; `spec` adds fields (models…). */
export function anthropicProvider(name: string, baseURL: string, key: string, spec: Record<string, unknown> = {}): unknown[] {
  return [
    secret(`${name}-cred`, { apiKey: key }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS },
      spec: { type: 'anthropic', baseURL, auth: { secretRef: { name: `${name}-cred`, key: 'apiKey' } }, ...spec },
    },
  ];
}
