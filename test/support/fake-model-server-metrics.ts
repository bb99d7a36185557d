// A model server's Prometheus /metrics endpoint on loopback, in vLLM's text format (the model-server protocol of the
// Gateway API Inference Extension): queue depth, running requests and KV-cache use are settable; `status` makes it
// answer an error; every scrape is counted.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMetricsServer {
  /** http://127.0.0.1:<port>/metrics */
  readonly url: string;
  waiting: number;
  running: number;
  kvCache: number;
  /** Non-200 status to answer with; 200 = serve the metrics. */
  status: number;
  readonly scrapes: number;
  /** Header values of the last scrape (to check that no credential is sent). */
  readonly lastHeaders: Readonly<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
}

/** vLLM-style exposition (v0.10+: kv_cache_usage_perc; the old gpu_cache_usage_perc too when `legacy`). */
export function vllmMetricsText(waiting: number, running: number, kvCache: number, legacy = false): string {
  const model = 'model_name="meta-llama/Llama-3.1-8B-Instruct"';
  return [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{engine="0",${model}} ${running}`,
    '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting{engine="0",${model}} ${waiting}`,
    '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
    '# TYPE vllm:kv_cache_usage_perc gauge',
    legacy ? `vllm:gpu_cache_usage_perc{engine="0",${model}} ${kvCache}` : `vllm:kv_cache_usage_perc{engine="0",${model}} ${kvCache}`,
    '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{engine="0",${model}} 12345.0`,
    '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
    '# TYPE vllm:time_to_first_token_seconds histogram',
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",${model}} 3.0`,
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",${model}} 7.0`,
    '',
  ].join('\n');
}

export async function startFakeMetricsServer(init: { waiting?: number; running?: number; kvCache?: number } = {}): Promise<FakeMetricsServer> {
  let scrapes = 0;
  let lastHeaders: Record<string, string | string[] | undefined> = {};
  const state = { waiting: init.waiting ?? 0, running: init.running ?? 0, kvCache: init.kvCache ?? 0, status: 200 };
  const server = createServer((req, res) => {
    scrapes++;
    lastHeaders = { ...req.headers };
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (state.status !== 200) {
      res.writeHead(state.status, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(vllmMetricsText(state.waiting, state.running, state.kvCache));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    get waiting() { return state.waiting; },
    set waiting(v: number) { state.waiting = v; },
    get running() { return state.running; },
    set running(v: number) { state.running = v; },
    get kvCache() { return state.kvCache; },
    set kvCache(v: number) { state.kvCache = v; },
    get status() { return state.status; },
    set status(v: number) { state.status = v; },
    get scrapes() { return scrapes; },
    get lastHeaders() { return lastHeaders; },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
