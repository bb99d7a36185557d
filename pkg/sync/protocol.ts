// The sync protocol between the operator and its proxies (design §5): message schemas and the snapshot codec.
//
//   GET  /sync/v1/snapshots?proxy=<id>&have=<version>[&hash=<sha256>][&deltas=1]  → application/x-ndjson, one message a line:
//        {type:'snapshot', version, hash, encoding:'gzip+base64', bytes, data} and {type:'heartbeat', version}
//        and, only to a proxy that announced deltas=1 (ADR 0024),
//        {type:'delta', version, hash, base, baseHash, encoding:'gzip+base64', bytes, data}: the changes from version
//        `base` (content hash `baseHash`) to `version`; `hash` is the sha256 of the whole content after applying them
//   POST /sync/v1/acks     {proxy, version, hash, ok, error?}
//   POST /sync/v1/reports  {proxy, version, intervalMs, targets:[{provider, model, requests, errors, latencyMsSum}],
//        usage:[{quota, window, start, end, requests?, inputTokens?, outputTokens?, totalTokens?, costUSD?,
//                subjects?:[{subject, requests?, ...}], otherSubjects?, caps?:{...}, want?:{...}}]}
//        → 200 {allowances:{proxies, grants:[{quota, window, start, end, caps:{...}, remaining:{...}}]}} or 204
//        (usage figures are what the proxy has used in the window so far, not deltas: ADR 0020)
//
// Every call carries `Authorization: Bearer <token>`. A snapshot's data is base64 of gzip of the canonical JSON of
// the table content; the receiver checks its length and sha256 against `bytes` and `hash` before parsing it.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { contentHashOf, contentJSONOf } from '../compiler/content-json.ts';
import type { RoutingTable, RoutingTableContent } from '../table/types.ts';
import { applyDelta, deltaJSON, deltaShapeProblem } from './delta.ts';
import type { TableDelta } from './delta.ts';
import { tableShapeProblem } from './table-shape.ts';

export const SYNC_PATHS = {
  snapshots: '/sync/v1/snapshots',
  acks: '/sync/v1/acks',
  reports: '/sync/v1/reports',
} as const;

export const NDJSON = 'application/x-ndjson';

/** Largest uncompressed table accepted (a 10,000-route table is ~10 MiB). */
export const MAX_TABLE_BYTES = 256 * 1024 * 1024;
/** gzip level: 1 is ~4x faster than the default 6 for ~15% more bytes on tables (measured in test/sync/protocol.test.ts). */
export const GZIP_LEVEL = 1;

const Version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lower-case sha256 hex digest');
/** Proxy ids: pod names, "hostname-pid" and the like; never free text (they end up in logs and status). */
export const ProxyId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/, 'expected 1-253 characters of [A-Za-z0-9._:-]');

export const SnapshotMessage = z.strictObject({
  type: z.literal('snapshot'),
  version: Version,
  hash: Hash,
  encoding: z.literal('gzip+base64'),
  /** Length in bytes of the uncompressed canonical JSON. */
  bytes: z.number().int().min(2).max(MAX_TABLE_BYTES),
  data: z.string().min(1),
});
export type SnapshotMessage = z.infer<typeof SnapshotMessage>;

export const HeartbeatMessage = z.strictObject({ type: z.literal('heartbeat'), version: Version });
export type HeartbeatMessage = z.infer<typeof HeartbeatMessage>;

/** The changes from version `base` to `version` (ADR 0024); sent only to proxies that asked with deltas=1. */
export const DeltaMessage = z.strictObject({
  type: z.literal('delta'),
  version: Version,
  /** sha256 of the whole content after applying the delta. */
  hash: Hash,
  base: Version,
  baseHash: Hash,
  encoding: z.literal('gzip+base64'),
  /** Length in bytes of the uncompressed canonical JSON of the delta. */
  bytes: z.number().int().min(2).max(MAX_TABLE_BYTES),
  data: z.string().min(1),
});
export type DeltaMessage = z.infer<typeof DeltaMessage>;

export const StreamMessage = z.discriminatedUnion('type', [SnapshotMessage, DeltaMessage, HeartbeatMessage]);
export type StreamMessage = z.infer<typeof StreamMessage>;

export const SnapshotQuery = z.strictObject({
  proxy: ProxyId,
  have: z.string().regex(/^\d{1,15}$/).transform(Number).optional(),
  hash: Hash.optional(),
  /** "1": the proxy applies delta messages (ADR 0024); absent: snapshots only (older proxies). */
  deltas: z.enum(['0', '1']).optional(),
});
export type SnapshotQuery = z.infer<typeof SnapshotQuery>;

export const MAX_ERROR_CHARS = 1024;

export const AckMessage = z.strictObject({
  proxy: ProxyId,
  version: Version,
  hash: z.string().max(64),
  ok: z.boolean(),
  error: z.string().max(MAX_ERROR_CHARS).optional(),
});
export type AckMessage = z.infer<typeof AckMessage>;

const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const TargetReport = z.strictObject({
  /** Provider id ("namespace/name"). */
  provider: z.string().min(1).max(512),
  /** Upstream model name. */
  model: z.string().max(512),
  /** Upstream attempts, whatever their outcome. */
  requests: Count,
  /** Attempts that failed for a reason that is the target's fault: 5xx, timeout, connect, TLS, invalid answer. */
  errors: Count,
  latencyMsSum: z.number().min(0).max(Number.MAX_SAFE_INTEGER),
}).refine((t) => t.errors <= t.requests, { message: 'errors cannot exceed requests', path: ['errors'] });
export type TargetReport = z.infer<typeof TargetReport>;

export const MAX_REPORT_TARGETS = 20_000;

/** A usage delta: finite, may be negative (a settlement below the reservation, a release). */
const Delta = z.number().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const Epoch = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Per-metric figures; a quota reports only the metrics its limits count. */
export const UsageFigures = z.object({
  requests: Delta.optional(),
  inputTokens: Delta.optional(),
  outputTokens: Delta.optional(),
  /** tokens with tokenType total (input + output), counted as one figure by the proxy. */
  totalTokens: Delta.optional(),
  costUSD: Delta.optional(),
});
export type UsageFigures = z.infer<typeof UsageFigures>;

/** Most subjects an each-user quota window lists in one report; the rest only count in the window's figures. */
export const MAX_REPORT_SUBJECTS = 20;

/**
 * What the proxy has used in one quota window so far (issue 8 point 5; absolute, so a lost report loses nothing).
 * Not strict, so a newer proxy's extra fields do not make an older operator refuse the report.
 */
export const QuotaUsageReport = UsageFigures.extend({
  /** Quota id ("namespace/name"). */
  quota: z.string().min(1).max(512),
  window: z.enum(['1m', '1h', '1d', 'calendar-month']),
  /** The window's start (inclusive) and end (exclusive), epoch ms, as the proxy's clock aligned them. */
  start: Epoch,
  end: Epoch,
  /** each-user quotas: the most-moved subjects (user names) with their own deltas. */
  subjects: z.array(UsageFigures.extend({ subject: z.string().min(1).max(512) })).max(MAX_REPORT_SUBJECTS).optional(),
  /** each-user quotas: subjects left out of `subjects`. */
  otherSubjects: Count.optional(),
  /** The caps this proxy applies in the window (from the operator's last grant): an operator that restarts learns them. */
  caps: UsageFigures.optional(),
  /** Amounts the caps refused since the previous report (the largest per metric): asks for a larger share. */
  want: UsageFigures.optional(),
});
export type QuotaUsageReport = z.infer<typeof QuotaUsageReport>;

const Cap = z.number().min(0).max(Number.MAX_SAFE_INTEGER);
const CapFigures = z.object({
  requests: Cap.optional(), inputTokens: Cap.optional(), outputTokens: Cap.optional(), totalTokens: Cap.optional(), costUSD: Cap.optional(),
});

/** The operator's answer to a report: this proxy's share of every cluster-wide quota limit (ADR 0020). */
export const ReportReply = z.object({
  allowances: z.object({
    /** Proxies sharing per-subject (each-user) and shadow limits equally. */
    proxies: z.number().int().min(1).max(100_000),
    grants: z.array(z.object({
      quota: z.string().min(1).max(512),
      window: z.enum(['1m', '1h', '1d', 'calendar-month']),
      start: Epoch,
      end: Epoch,
      /** The most this proxy's counter may reach in the window, per metric. */
      caps: CapFigures,
      /** Cluster-wide room left once this grant is counted. */
      remaining: CapFigures,
    })).max(MAX_REPORT_TARGETS),
  }).optional(),
});
export type ReportReply = z.infer<typeof ReportReply>;

export const ReportMessage = z.strictObject({
  proxy: ProxyId,
  /** Table version the proxy serves (0 before its first table). */
  version: Version,
  /** Span the counts cover, in ms. */
  intervalMs: z.number().int().min(0).max(86_400_000),
  targets: z.array(TargetReport).max(MAX_REPORT_TARGETS),
  /** The proxy is stopping: it admits nothing more, so its quota allowances can go to others. */
  final: z.boolean().optional(),
  /** Per-quota-window usage so far in each open window; absent or [] from proxies older than issue 8. */
  usage: z.array(QuotaUsageReport).max(MAX_REPORT_TARGETS).default([]),
});
export type ReportMessage = z.infer<typeof ReportMessage>;

export type SnapshotErrorCode = 'message' | 'encoding' | 'size' | 'checksum' | 'json' | 'table' | 'base';

/** A snapshot that cannot be used; the message is safe to log and to send back in a NACK (never holds table data). */
export class SnapshotError extends Error {
  readonly code: SnapshotErrorCode;
  constructor(code: SnapshotErrorCode, message: string) {
    super(message);
    this.name = 'SnapshotError';
    this.code = code;
  }
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Canonical JSON of a table's content: what the hash covers and what a snapshot carries. */
export function contentJSON(table: RoutingTable): string {
  return contentJSONOf(table);
}

/**
 * Encodes a table for the stream. `content` is the table's canonical content JSON when the caller has it already
 * (compile() returns the text it hashed), which saves re-serialising the table. Throws when the hash does not match
 * the content (a publisher bug, or a `content` that belongs to another table).
 */
export function encodeSnapshot(table: RoutingTable, content?: string): SnapshotMessage {
  const raw = Buffer.from(content ?? contentJSON(table), 'utf8');
  if (sha256Hex(raw) !== table.hash) throw new Error(`table version ${table.version}: hash does not match its content`);
  const data = gzipSync(raw, { level: GZIP_LEVEL }).toString('base64');
  return { type: 'snapshot', version: table.version, hash: table.hash, encoding: 'gzip+base64', bytes: raw.length, data };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function inflate(msg: SnapshotMessage | DeltaMessage): Buffer {
  const packed = Buffer.from(msg.data, 'base64');
  let raw: Buffer;
  try {
    raw = gunzipSync(packed, { maxOutputLength: msg.bytes + 1 });
  } catch (err) {
    const e = err as { code?: unknown };
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new SnapshotError('size', `${msg.type} v${msg.version} inflates to more than the announced ${msg.bytes} bytes`);
    throw new SnapshotError('encoding', `${msg.type} v${msg.version} is not valid gzip+base64 (truncated or garbled): ${message(err)}`);
  }
  if (raw.length !== msg.bytes) {
    throw new SnapshotError('size', `${msg.type} v${msg.version} inflates to ${raw.length} bytes, not the announced ${msg.bytes}`);
  }
  return raw;
}

/**
 * Decodes and verifies a snapshot message (already parsed JSON or a SnapshotMessage). Throws SnapshotError when the
 * message does not match the schema, the data is truncated or garbled, the checksum differs, or the content is not
 * shaped like a RoutingTable content. The sha256 check proves the bytes are exactly what the operator compiled, so
 * the content gets a structural check (top level, and the fields of each route and provider) rather than the full
 * zod parse, which costs more than the rest of the decode on a 10,000-route table.
 */
export function decodeSnapshot(input: unknown): RoutingTable {
  const parsed = SnapshotMessage.safeParse(input);
  if (!parsed.success) throw new SnapshotError('message', `not a snapshot message: ${issues(parsed.error)}`);
  const msg = parsed.data;
  const raw = inflate(msg);
  if (sha256Hex(raw) !== msg.hash) throw new SnapshotError('checksum', `snapshot v${msg.version}: sha256 of the content does not match hash ${msg.hash.slice(0, 12)}`);
  const what = `snapshot v${msg.version}`;
  const json = parseJSON(raw.toString('utf8'), what);
  const problem = tableShapeProblem(json);
  if (problem !== null) throw new SnapshotError('table', `${what}: not a routing table this proxy understands: ${problem}`);
  const content = json as RoutingTableContent;
  return { version: msg.version, hash: msg.hash, ...content };
}

function parseJSON(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SnapshotError('json', `${what}: content is not JSON: ${message(err)}`);
  }
}

/** Issue paths and messages only: zod messages never quote the offending value, so no secret leaks through them. */
function issues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  if (error.issues.length > 5) shown.push(`and ${error.issues.length - 5} more`);
  return shown.join('; ').slice(0, 600);
}

/**
 * Encodes the delta from `base` to `next` (its hash is next.hash: the caller computed the delta from the two tables).
 */
export function encodeDelta(base: { readonly version: number; readonly hash: string }, next: RoutingTable, delta: TableDelta): DeltaMessage {
  const raw = Buffer.from(deltaJSON(delta), 'utf8');
  const data = gzipSync(raw, { level: GZIP_LEVEL }).toString('base64');
  return { type: 'delta', version: next.version, hash: next.hash, base: base.version, baseHash: base.hash, encoding: 'gzip+base64', bytes: raw.length, data };
}

/**
 * Applies a delta message to `current` (the table the proxy serves) and verifies the result: throws SnapshotError
 * 'base' when `current` is not the delta's base, 'checksum' when the sha256 of the resulting canonical content is not
 * `hash`, and the snapshot codes for a garbled message or content. Unchanged objects stay the same objects; the
 * content hash costs a join and a sha256 for them (their canonical JSON is memoised, ADR 0024).
 */
export function decodeDelta(input: unknown, current: RoutingTable | null): RoutingTable {
  const parsed = DeltaMessage.safeParse(input);
  if (!parsed.success) throw new SnapshotError('message', `not a delta message: ${issues(parsed.error)}`);
  const msg = parsed.data;
  const what = `delta v${msg.base}→v${msg.version}`;
  if (current === null || current.version !== msg.base || current.hash !== msg.baseHash) {
    throw new SnapshotError('base', `${what}: this proxy serves ${current === null ? 'no table' : `v${current.version}`}, not the delta's base`);
  }
  if (msg.version <= msg.base) throw new SnapshotError('message', `${what}: version is not above its base`);
  const json = parseJSON(inflate(msg).toString('utf8'), what);
  const problem = deltaShapeProblem(json);
  if (problem !== null) throw new SnapshotError('table', `${what}: not a delta this proxy understands: ${problem}`);
  // The base passed tableShapeProblem when it arrived and deltaShapeProblem checked every object the delta brings.
  const content = applyDelta(current, json as TableDelta);
  if (contentHashOf(content, current) !== msg.hash) throw new SnapshotError('checksum', `${what}: sha256 of the content after applying it does not match hash ${msg.hash.slice(0, 12)}`);
  return { version: msg.version, hash: msg.hash, ...content };
}

/** Serialises a stream message as one NDJSON line. */
export function ndjsonLine(msg: StreamMessage): string {
  return `${JSON.stringify(msg)}\n`;
}
