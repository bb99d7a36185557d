// Quota: limits on requests, tokens or cost for a subject, enforced by each proxy in memory (pkg/quota, ADR 0018).
import { z } from 'zod';
import { API_VERSION, ObjectMeta, Status } from './common.ts';
import { withRules } from './cel.ts';
import { setList } from './kube.ts';
import { isValidTimeZone } from '../quota/window.ts';

export const QuotaSubject = withRules(
  z
    .object({
      kind: z.enum(['key', 'team', 'user', 'each-user', 'claim']).describe('What the limits apply to: one API key, a team, a user, every user separately, or callers with a given JWT claim value.'),
      name: z.string().min(1).max(256).optional().describe('The key Secret name, team, user or claim value. Required, except with each-user where it must be unset.'),
      claim: z.string().min(1).max(128).optional().describe('For kind claim (and only then): the JWT claim to read.'),
    })
    .strict()
    .describe('Who the quota applies to.'),
  [
    {
      rule: "self.kind == 'each-user' || has(self.name)",
      message: 'subject.name is required unless kind is each-user',
      fieldPath: '.name',
      reason: 'FieldValueRequired',
      holds: (s) => s.kind === 'each-user' || s.name !== undefined,
    },
    {
      rule: "self.kind != 'each-user' || !has(self.name)",
      message: 'subject.name must not be set with kind each-user',
      fieldPath: '.name',
      reason: 'FieldValueForbidden',
      holds: (s) => s.kind !== 'each-user' || s.name === undefined,
    },
    {
      rule: "self.kind != 'claim' || has(self.claim)",
      message: 'subject.claim is required for kind claim',
      fieldPath: '.claim',
      reason: 'FieldValueRequired',
      holds: (s) => s.kind !== 'claim' || s.claim !== undefined,
    },
    {
      rule: "self.kind == 'claim' || !has(self.claim)",
      message: 'subject.claim is only allowed with kind claim',
      fieldPath: '.claim',
      reason: 'FieldValueForbidden',
      holds: (s) => s.kind === 'claim' || s.claim === undefined,
    },
  ],
);

export const QuotaLimit = withRules(
  z
    .object({
      window: z.enum(['1m', '1h', '1d', 'calendar-month']).describe('The accounting window: 1m, 1h, 1d or calendar-month.'),
      requests: z.number().int().min(0).optional().describe('Most requests in the window.'),
      tokens: z.number().int().min(0).optional().describe('Most tokens in the window (which ones: tokenType).'),
      tokenType: z.enum(['input', 'output', 'total']).optional().describe('For tokens (and only then): count input, output or total (input + output) tokens. Default total.'),
      costUSD: z.number().min(0).optional().describe('Most spend in USD in the window.'),
    })
    .strict()
    .describe('One limit; set exactly one of requests, tokens or costUSD.'),
  [
    {
      rule: '(has(self.requests) ? 1 : 0) + (has(self.tokens) ? 1 : 0) + (has(self.costUSD) ? 1 : 0) == 1',
      message: 'set exactly one of requests, tokens or costUSD',
      holds: (l) => [l.requests, l.tokens, l.costUSD].filter((v) => v !== undefined).length === 1,
    },
    {
      rule: '!has(self.tokenType) || has(self.tokens)',
      message: 'tokenType is only allowed with tokens',
      fieldPath: '.tokenType',
      reason: 'FieldValueForbidden',
      holds: (l) => l.tokenType === undefined || l.tokens !== undefined,
    },
  ],
);

export const QuotaAction = withRules(
  z
    .object({
      type: z.enum(['reject', 'downgrade']).default('reject').describe('reject answers 429; downgrade sends the request to another route.'),
      route: z.string().min(1).max(256).optional().describe('For downgrade (and only then): the model name of the route to use instead.'),
    })
    .strict()
    .describe('What happens when a limit is reached.'),
  [
    {
      rule: "!has(self.type) || self.type != 'downgrade' || has(self.route)",
      message: 'action.route is required for type downgrade',
      fieldPath: '.route',
      reason: 'FieldValueRequired',
      holds: (a) => a.type !== 'downgrade' || a.route !== undefined,
    },
    {
      rule: "!has(self.route) || (has(self.type) && self.type == 'downgrade')",
      message: 'action.route is only allowed with type downgrade',
      fieldPath: '.route',
      reason: 'FieldValueForbidden',
      holds: (a) => a.route === undefined || a.type === 'downgrade',
    },
  ],
);

export const QuotaSpec = z
  .object({
    subject: QuotaSubject,
    models: setList(z.array(z.string().min(1).max(256).describe('A model name as clients call it.')).max(256)).optional().describe('Only count requests for these models. Unset: all models.'),
    limits: z.array(QuotaLimit).min(1).max(16).describe('Limits; each is enforced independently.'),
    action: QuotaAction.optional(),
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/)
      .refine(isValidTimeZone, { message: 'timeZone must be an IANA time zone name such as UTC or Europe/Berlin' })
      .optional()
      .describe('IANA time zone the windows align to: 1d and calendar-month start at its local midnight (DST-correct). Default UTC.'),
    shadow: z.boolean().optional().describe('Count and report (headers, status) but never block. Default false.'),
  })
  .strict()
  .describe('Desired state of a Quota.');

export const QuotaUsageEntry = z
  .object({
    window: z.enum(['1m', '1h', '1d', 'calendar-month']).describe('The limit\'s window.'),
    limitType: z.enum(['requests', 'inputTokens', 'outputTokens', 'totalTokens', 'costUSD']).describe('What the limit counts.'),
    used: z.number().min(0).describe('Used in the current window, summed over every proxy (each-user: by the user who used most).'),
    limit: z.number().min(0).describe('The limit.'),
    remaining: z.number().min(0).describe('limit - used, at least 0.'),
    resetAt: z.string().max(64).describe('When the current window ends (RFC 3339).'),
    topSubject: z.string().max(512).optional().describe('each-user: the user who used most in the window.'),
  })
  .strict()
  .describe('Live usage of one limit, as the operator sums the proxies\' reports (every ~2 s).');

export const QuotaStatus = Status.extend({
  usage: z.array(QuotaUsageEntry).max(16).optional().describe('Live usage, one entry per limit in spec order.'),
  subject: z.string().max(1024).optional().describe('The subject as text (kind, kind:name, or claim:<claim>=<value>).'),
  summary: z.string().max(256).optional().describe('used/limit of the first limit, e.g. 3/10 requests/1m.'),
}).describe('Observed state of a Quota: conditions (Accepted, Programmed, Exceeded) and live usage.');

export const Quota = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Quota'),
    metadata: ObjectMeta,
    spec: QuotaSpec,
    status: QuotaStatus.optional(),
  })
  .describe('A Quota limits requests, tokens or cost for a key, team or user.');

export type Quota = z.infer<typeof Quota>;
export type QuotaSpec = z.infer<typeof QuotaSpec>;
