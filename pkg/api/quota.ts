// Quota: limits on requests, tokens or cost for a subject (enforced by a later release; compiled and validated now).
import { z } from 'zod';
import { API_VERSION, ObjectMeta, Status } from './common.ts';

export const QuotaSubject = z
  .object({
    kind: z.enum(['key', 'team', 'user', 'each-user', 'claim']).describe('What the limits apply to.'),
    name: z.string().min(1).max(256).optional().describe('The key Secret name, team, user or claim value. Not used with each-user.'),
    claim: z.string().min(1).max(128).optional().describe('For kind claim: the JWT claim to read.'),
  })
  .strict()
  .describe('Who the quota applies to.');

export const QuotaLimit = z
  .object({
    window: z.enum(['1m', '1h', '1d', 'calendar-month']).describe('The accounting window.'),
    requests: z.number().int().min(0).optional().describe('Most requests in the window.'),
    tokens: z.number().int().min(0).optional().describe('Most tokens (input + output) in the window.'),
    costUSD: z.number().min(0).optional().describe('Most spend in USD in the window.'),
  })
  .strict()
  .describe('One limit; set exactly one of requests, tokens or costUSD.');

export const QuotaAction = z
  .object({
    type: z.enum(['reject', 'downgrade']).default('reject').describe('reject answers 429; downgrade sends the request to another route.'),
    route: z.string().min(1).max(256).optional().describe('For downgrade: the model name of the route to use instead.'),
  })
  .strict()
  .describe('What happens when a limit is reached.');

export const QuotaSpec = z
  .object({
    subject: QuotaSubject,
    models: z.array(z.string().min(1).max(256)).max(256).optional().describe('Only count requests for these models. Unset: all models.'),
    limits: z.array(QuotaLimit).min(1).max(16).describe('Limits; each is enforced independently.'),
    action: QuotaAction.optional(),
  })
  .strict()
  .describe('Desired state of a Quota.');

export const Quota = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Quota'),
    metadata: ObjectMeta,
    spec: QuotaSpec,
    status: Status.optional(),
  })
  .describe('A Quota limits requests, tokens or cost for a key, team or user.');

export type Quota = z.infer<typeof Quota>;
export type QuotaSpec = z.infer<typeof QuotaSpec>;
