// The human-readable form of `switchyard explain`: one section per question a reviewer asks — which route, which
// targets with what share, what happens when they fail, who may call, which quotas count. Values only from the
// explanation (never a Secret value: the explanation carries none).
import type { ExplainedQuota, ExplainedTarget } from '../admin/explain.ts';
import type { TableAccessRule, TableQuota, TableQuotaLimit, TableRetry } from '../table/types.ts';
import type { OfflineExplanation } from './explain.ts';

function ms(n: number): string {
  if (n === 0) return '0';
  if (n % 60_000 === 0) return `${n / 60_000}m`;
  if (n % 1000 === 0) return `${n / 1000}s`;
  return `${n}ms`;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** Rows of cells as columns padded to the widest cell; the last column is not padded. */
function columns(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows.map((r) => `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd());
}

function targetRows(targets: readonly ExplainedTarget[], withShare: boolean): string[] {
  const head = withShare ? ['PROVIDER', 'TYPE', 'MODEL', 'WEIGHT', 'PRIORITY', 'SHARE', 'AUTH'] : ['#', 'PROVIDER', 'TYPE', 'MODEL', 'AUTH'];
  const rows = targets.map((t, i) => {
    const type = t.providerType ?? '(not served)';
    const auth = t.auth ?? '-';
    return withShare
      ? [t.provider, type, t.model, String(t.weight), String(t.priority), percent(t.share), auth]
      : [String(i + 1), t.provider, type, t.model, auth];
  });
  return columns([head, ...rows], '  ');
}

function retryText(r: TableRetry): string {
  const on = [r.on429 ? '429' : null, r.on5xx ? '5xx' : null, r.onTimeout ? 'timeout' : null, r.onConnect ? 'connect' : null].filter((x) => x !== null);
  const tries = `${r.attempts} attempt(s) per target`;
  if (r.attempts <= 1) return tries;
  return `${tries}, backoff ${ms(r.baseBackoffMs)} doubling up to ${ms(r.maxBackoffMs)}, on ${on.length > 0 ? on.join(', ') : 'nothing'} (only before the first byte reaches the client)`;
}

function ruleText(r: TableAccessRule): string {
  const parts = [
    r.teams === undefined ? null : `teams ${r.teams.join(', ')}`,
    r.users === undefined ? null : `users ${r.users.join(', ')}`,
    r.keys === undefined ? null : `keys ${r.keys.join(', ')}`,
    r.groups === undefined ? null : `groups ${r.groups.join(', ')}`,
  ];
  return parts.filter((p) => p !== null).join('; ');
}

export function subjectText(s: TableQuota['subject']): string {
  if (s.kind === 'each-user') return 'each user';
  if (s.kind === 'claim') return `claim ${s.claim ?? ''}=${s.name ?? ''}`;
  return `${s.kind} ${s.name ?? ''}`;
}

export function limitText(l: TableQuotaLimit): string {
  if (l.requests !== undefined) return `${l.requests} requests/${l.window}`;
  if (l.tokens !== undefined) return `${l.tokens} ${l.tokenType ?? 'total'} tokens/${l.window}`;
  return `$${l.costUSD ?? 0}/${l.window}`;
}

function quotaRows(quotas: readonly ExplainedQuota[], withCaller: boolean): string[] {
  const head = ['QUOTA', 'SUBJECT', 'MODELS', 'LIMITS', 'ACTION', ...(withCaller ? ['COUNTS CALLER'] : [])];
  const rows = quotas.map((q) => {
    const action = q.action.type === 'downgrade' ? `downgrade to ${q.action.route ?? '?'}` : 'reject (429)';
    const applies = q.appliesToCaller === null ? 'depends' : q.appliesToCaller ? 'yes' : 'no';
    const zone = q.timeZone === 'UTC' ? '' : ` (${q.timeZone})`;
    return [q.id, subjectText(q.subject), q.models === null ? 'all' : q.models.join(','), q.limits.map(limitText).join(', ') + zone,
      q.shadow ? `${action}, shadow: never blocks` : action, ...(withCaller ? [applies] : [])];
  });
  return columns([head, ...rows], '  ');
}

export function formatExplanation(e: OfflineExplanation): string {
  const out: string[] = [];
  const via = e.matchedBy === 'alias' ? `an alias of ${e.route.model}` : 'the route\'s model';
  const aliases = e.route.aliases.length > 0 ? `; aliases: ${e.route.aliases.join(', ')}` : '';
  out.push(`${e.model} → ModelRoute ${e.route.id} (${via}${aliases})`, '');
  if (e.unresolved !== null) out.push(`UNRESOLVED: ${e.unresolved.reason}: ${e.unresolved.message}`, '');
  out.push(`Strategy: ${e.selection}`, '');
  if (e.routing !== null) {
    const r = e.routing;
    out.push(`Routing: ${r.why}`);
    if (r.rules.length > 0) out.push(`  rule: ${r.rule ?? '(none matched: the route\'s own targets)'}`);
    out.push(`  preferred order (offline: every target idle and healthy): ${r.preferred.join(' → ')}`, '');
  }
  out.push('Targets:', ...(e.targets.length === 0 ? ['  (none)'] : targetRows(e.targets, true)), '');
  out.push(`Fallback (in order, after every target failed): ${e.fallback.length === 0 ? 'none' : ''}`.trimEnd());
  if (e.fallback.length > 0) out.push(...targetRows(e.fallback, false));
  out.push('', `Retry: ${retryText(e.retry)}`, '');
  out.push(`Access: ${e.access.summary}`);
  for (const r of e.access.allow ?? []) out.push(`  allow: ${ruleText(r)}`);
  out.push('');
  const withCaller = e.caller !== undefined;
  out.push(`Quotas counting this route: ${e.quotas.length === 0 ? 'none' : ''}`.trimEnd());
  if (e.quotas.length > 0) out.push(...quotaRows(e.quotas, withCaller));
  out.push('');
  if (e.caller !== undefined) {
    const c = e.caller;
    const who = [c.key === null ? null : `key ${c.key}`, c.team === null ? null : `team ${c.team}`, c.user === null ? null : `user ${c.user}`]
      .filter((x) => x !== null).join(', ');
    const counted = e.quotas.filter((q) => q.appliesToCaller === true).map((q) => q.id);
    out.push(`Caller ${who}: ${c.allowed ? 'ALLOWED' : 'REFUSED (403)'} — ${c.reason}`);
    if (c.allowed) out.push(`  counted by: ${counted.length === 0 ? 'no quota' : counted.join(', ')}`);
    out.push('');
  }
  const s = e.source;
  if (s.assumedSecrets.length > 0) out.push(`Assumed present (not in the set): Secret ${s.assumedSecrets.join(', ')}`);
  if (s.notAccepted.length > 0) out.push(`Not accepted (left out of the table; switchyard validate says why): ${s.notAccepted.join('; ')}`);
  out.push(`From ${s.files.length} file(s) in ${s.paths.join(', ')}`, '');
  return out.join('\n');
}
