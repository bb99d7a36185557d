// The model-server metrics of the Gateway API Inference Extension's model-server protocol (proposal 003), read from
// Prometheus text exposition: TotalQueuedRequests, TotalRunningRequests and KVCacheUtilization under each server's
// own name. Queue and running counts are summed over series (one per model or engine), KV-cache use is the highest
// series. Pure; lines that do not parse are skipped.
//   vLLM                vllm:num_requests_waiting, vllm:num_requests_running, vllm:kv_cache_usage_perc
//                       (vllm:gpu_cache_usage_perc before v0.10)
//   SGLang              sglang:num_queue_reqs, sglang:num_running_reqs, sglang:token_usage
//   TGI                 tgi_queue_size, tgi_batch_current_size (no KV-cache figure)
//   Triton TensorRT-LLM nv_trt_llm_request_metrics{request_type="waiting"|"scheduled"},
//                       nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction"}
//   trtllm-serve        trtllm_num_requests_waiting, trtllm_num_requests_running

export interface PoolFigures {
  /** Requests waiting in the server's queue; null when the server reports none of the known names. */
  readonly queueDepth: number | null;
  readonly running: number | null;
  /** KV-cache use, 0 to 1; null when not reported. */
  readonly kvCacheUsage: number | null;
}

type Figure = 'queue' | 'running' | 'kv';

interface Rule {
  readonly figure: Figure;
  /** Only series whose label `label` equals `value`. */
  readonly label?: { readonly name: string; readonly value: string };
}

const RULES: ReadonlyMap<string, readonly Rule[]> = new Map<string, readonly Rule[]>([
  ['vllm:num_requests_waiting', [{ figure: 'queue' }]],
  ['vllm:num_requests_running', [{ figure: 'running' }]],
  ['vllm:kv_cache_usage_perc', [{ figure: 'kv' }]],
  ['vllm:gpu_cache_usage_perc', [{ figure: 'kv' }]],
  ['sglang:num_queue_reqs', [{ figure: 'queue' }]],
  ['sglang:num_running_reqs', [{ figure: 'running' }]],
  ['sglang:token_usage', [{ figure: 'kv' }]],
  ['tgi_queue_size', [{ figure: 'queue' }]],
  ['tgi_batch_current_size', [{ figure: 'running' }]],
  ['trtllm_num_requests_waiting', [{ figure: 'queue' }]],
  ['trtllm_num_requests_running', [{ figure: 'running' }]],
  ['nv_trt_llm_request_metrics', [
    { figure: 'queue', label: { name: 'request_type', value: 'waiting' } },
    { figure: 'running', label: { name: 'request_type', value: 'scheduled' } },
  ]],
  ['nv_trt_llm_kv_cache_block_metrics', [{ figure: 'kv', label: { name: 'kv_cache_block_type', value: 'fraction' } }]],
]);

/** The value of label `name` in a `{a="x",b="y"}` block (escapes \\, \" and \n), or undefined. */
function labelValue(block: string, name: string): string | undefined {
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(block); m !== null; m = re.exec(block)) {
    if (m[1] === name) return (m[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return undefined;
}

function parseValue(text: string): number | null {
  if (text === 'NaN' || text === '') return null;
  const v = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
  return Number.isFinite(v) ? v : null;
}

/** The pool figures in a Prometheus text exposition. */
export function parsePoolMetrics(text: string): PoolFigures {
  let queue: number | null = null;
  let running: number | null = null;
  let kv: number | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    if (nameEnd <= 0) continue;
    const rules = RULES.get(line.slice(0, nameEnd));
    if (rules === undefined) continue;
    let rest = line.slice(nameEnd);
    let labels = '';
    if (rest.startsWith('{')) {
      const close = rest.lastIndexOf('}');
      if (close < 0) continue;
      labels = rest.slice(1, close);
      rest = rest.slice(close + 1);
    }
    const v = parseValue(rest.trim().split(/\s+/)[0] ?? '');
    if (v === null || v < 0) continue;
    for (const r of rules) {
      if (r.label !== undefined && labelValue(labels, r.label.name) !== r.label.value) continue;
      if (r.figure === 'queue') queue = (queue ?? 0) + v;
      else if (r.figure === 'running') running = (running ?? 0) + v;
      else kv = Math.max(kv ?? 0, Math.min(1, v));
    }
  }
  return { queueDepth: queue, running, kvCacheUsage: kv };
}
