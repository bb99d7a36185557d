// Human-facing text for standalone mode: the startup banner (stderr) and the per-reload summary (a log record).
import type { ObjectStatus, RoutingTable, TableRoute } from '../table/types.ts';
import type { AuthMode } from '../telemetry/types.ts';

export interface NotAccepted {
  readonly object: string;
  readonly reason: string;
  readonly message: string;
}

/** Objects whose Accepted or ResolvedRefs condition is not True, with the first failing condition's reason. */
export function notAccepted(statuses: readonly ObjectStatus[]): NotAccepted[] {
  const out: NotAccepted[] = [];
  for (const s of statuses) {
    const bad = s.conditions.find((c) => c.status !== 'True' && (c.type === 'Accepted' || c.type === 'ResolvedRefs'));
    if (bad) out.push({ object: `${s.kind} ${s.namespace}/${s.name}`, reason: bad.reason, message: bad.message });
  }
  return out;
}

/** The record logged after every load: what the table now holds and what was left out. */
export function reloadSummary(table: RoutingTable, statuses: readonly ObjectStatus[], files: number) {
  return {
    version: table.version,
    hash: table.hash.slice(0, 12),
    files,
    routes: table.routes.length,
    providers: Object.keys(table.providers).length,
    apiKeys: Object.keys(table.keys).length,
    models: Object.keys(table.models).sort(),
    notAccepted: notAccepted(statuses),
  };
}

function percent(n: number): string {
  return `${Math.round(n * 1000) / 10}%`;
}

function describeTargets(route: TableRoute): string {
  const targets = route.targets;
  if (targets.length === 0 && route.fallback.length === 0) {
    const u = route.unresolved;
    if (u !== undefined && !u.retryable) return `misconfigured (${u.reason}): 500 route_misconfigured until the config is fixed`;
    return 'no target resolved: 503 until one does (see its ResolvedRefs)';
  }
  const pick = route.strategy === 'priority' ? targets.filter((t) => t.priority === Math.min(...targets.map((x) => x.priority))) : targets;
  const total = pick.reduce((s, t) => s + t.weight, 0);
  const parts = targets.map((t) => {
    const share = pick.includes(t) ? (total > 0 ? t.weight / total : 1 / pick.length) : 0;
    const where = `${t.provider} (${t.model})`;
    return route.strategy === 'priority' ? `${where} p${t.priority}${share > 0 ? ` ${percent(share)}` : ''}` : `${where} ${percent(share)}`;
  });
  const fallback = route.fallback.length > 0 ? `; fallback ${route.fallback.map((t) => `${t.provider} (${t.model})`).join(' → ')}` : '';
  return `${route.strategy}: ${parts.join(', ')}${fallback}`;
}

export interface BannerInput {
  readonly version: string;
  readonly configDir: string;
  readonly table: RoutingTable;
  readonly statuses: readonly ObjectStatus[];
  readonly dataListen: string;
  readonly dataUrl: string;
  readonly adminUrl: string;
  readonly authMode: AuthMode;
  /** OIDC issuers for bearer tokens (default 0). */
  readonly tokenIssuers?: number;
}

export const OPEN_WARNING = 'requests without an API key are served: anyone who can reach the data port can use your providers';

/** The banner's auth lines (ADR 0013): the mode, and what it means for the table in use. */
export function authLines(mode: AuthMode, keys: number, tokenIssuers = 0): string[] {
  if (mode === 'open') {
    return [
      '  auth     OPEN — requests without an API key are served (started with --auth open)',
      `  !!! ${OPEN_WARNING}; keys that are presented are still checked (${keys} configured).`,
      '  !!! Drop --auth open (the default is required) before exposing this port.',
    ];
  }
  if (keys === 0 && tokenIssuers > 0) {
    return [`  auth     required — every request needs a bearer token from ${tokenIssuers} OIDC issuer(s); no API keys are configured`];
  }
  if (keys === 0) {
    return [
      '  auth     required — every request needs an API key',
      '  !!! WARNING: no API keys are configured, so every request will get 401 until a key Secret is added',
      '  !!! (a Secret labelled switchyard.dev/api-key: "true"; see examples/quickstart-secured/).',
    ];
  }
  return [`  auth     required — every request needs an API key (${keys} configured)`];
}

/** The example request: with an Authorization placeholder whenever keys are required. */
export function exampleCurl(mode: AuthMode, dataUrl: string, model: string): string[] {
  const auth = mode === 'required' ? ` -H "authorization: Bearer $SWITCHYARD_KEY"` : '';
  return [
    `    curl ${dataUrl}/v1/chat/completions${auth} -H 'content-type: application/json' \\`,
    `      -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`,
  ];
}

export function formatBanner(b: BannerInput): string {
  const lines = [
    `Switchyard ${b.version} — standalone gateway (table v${b.table.version} ${b.table.hash.slice(0, 12)})`,
    `  config   ${b.configDir} (reloaded on change)`,
    `  data     ${b.dataUrl}/v1  (listening on ${b.dataListen})`,
    `  metrics  ${b.adminUrl}/metrics  (also /healthz /readyz /debug/table /debug/explain?model=NAME)`,
    ...authLines(b.authMode, Object.keys(b.table.keys).length, b.tokenIssuers ?? 0),
    '  models',
  ];
  if (b.table.routes.length === 0) lines.push('    (none: add a ModelRoute to the config directory)');
  for (const route of b.table.routes) {
    const aliases = route.aliases.length > 0 ? ` (aliases: ${route.aliases.join(', ')})` : '';
    lines.push(`    ${route.model}${aliases}  → ${describeTargets(route)}`);
  }
  const rejected = notAccepted(b.statuses);
  if (rejected.length > 0) {
    lines.push(`  ${rejected.length} object(s) not accepted — see the log or run: switchyard validate ${b.configDir}`);
  }
  const model = b.table.routes[0]?.model ?? 'MODEL';
  lines.push('', '  try:', ...exampleCurl(b.authMode, b.dataUrl, model), '');
  return lines.join('\n');
}
