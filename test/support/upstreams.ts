// Upstream addresses and Provider manifests shared by the proxy tests: a loopback port that refuses connections,
// an anthropic-type Provider with its credential Secret, and a fake OpenAI + fake Anthropic pair behind a gateway.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { NS, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway, GatewayOptions } from '../proxy/harness.ts';
import { startFakeAnthropic } from './fake-anthropic-server.ts';
import type { FakeAnthropic } from './fake-anthropic-server.ts';
import { startFakeOpenAI } from './fake-openai-server.ts';
import type { FakeOpenAI } from './fake-openai-server.ts';

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

export interface FakePair {
  readonly oa: FakeOpenAI;
  readonly ant: FakeAnthropic;
  readonly gw: Gateway;
}

/**
 * Call at the top level of a test file: a fake OpenAI and a fake Anthropic upstream behind one gateway (its
 * manifests built from the fakes' addresses), started before the file's tests and closed after them; after each
 * test the OpenAI fake's behaviour and both fakes' recorded requests are reset.
 */
export function useFakePair(manifests: (oa: FakeOpenAI, ant: FakeAnthropic) => readonly unknown[], opts: GatewayOptions = {}): FakePair {
  let pair: FakePair | undefined;
  beforeAll(async () => {
    const oa = await startFakeOpenAI();
    const ant = await startFakeAnthropic();
    pair = { oa, ant, gw: await startGateway(manifests(oa, ant), opts) };
  });
  afterAll(async () => {
    await pair?.gw.close();
    await pair?.oa.close();
    await pair?.ant.close();
  });
  afterEach(() => {
    pair?.oa.setBehavior(undefined);
    if (pair !== undefined) {
      pair.oa.requests.length = 0;
      pair.ant.requests.length = 0;
    }
  });
  const started = (): FakePair => {
    if (pair === undefined) throw new Error('useFakePair: used outside the tests (the fakes start in beforeAll)');
    return pair;
  };
  return {
    get oa() {
      return started().oa;
    },
    get ant() {
      return started().ant;
    },
    get gw() {
      return started().gw;
    },
  };
}
