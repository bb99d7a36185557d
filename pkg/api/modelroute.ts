// ModelRoute: a model name clients may call, and how requests for it reach providers.
import { z } from 'zod';
import { API_VERSION, Duration, ObjectMeta, ObjectName, Status, Timeouts } from './common.ts';

export const STRATEGIES = ['weighted', 'priority'] as const;
export const Strategy = z.enum(STRATEGIES).describe('How a target is chosen: weighted (random in proportion to weight) or priority (lowest priority number first, weighted within a level).');

export const ModelName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:\/@+-]*$/)
  .describe('A model name as clients send it in the request body.');

export const Target = z
  .object({
    provider: ObjectName.describe('Name of a Provider in the same namespace.'),
    model: z.string().min(1).max(256).optional().describe('Model name sent to the provider. Default: the route\'s model.'),
    weight: z.number().int().min(0).max(10000).default(1).describe('Relative share of traffic (weighted strategy). 0 disables the target.'),
    priority: z.number().int().min(0).max(100).default(0).describe('Lower is preferred (priority strategy).'),
  })
  .strict()
  .describe('An upstream that can serve the route.');

export const FallbackTarget = z
  .object({
    provider: ObjectName.describe('Name of a Provider in the same namespace.'),
    model: z.string().min(1).max(256).optional().describe('Model name sent to the provider. Default: the route\'s model.'),
  })
  .strict()
  .describe('An upstream tried, in order, after every target has failed.');

export const RETRY_ON = ['429', '5xx', 'timeout', 'connect'] as const;

export const Retry = z
  .object({
    attempts: z.number().int().min(1).max(10).default(2).describe('Attempts per target, counting the first one.'),
    backoff: z
      .object({
        base: Duration.default('100ms').describe('Backoff before the first retry; doubles each retry, with full jitter.'),
        max: Duration.default('2s').describe('Longest backoff between two attempts.'),
      })
      .strict()
      .optional()
      .describe('Exponential backoff with jitter between attempts.'),
    on: z.array(z.enum(RETRY_ON)).max(4).default(['429', '5xx', 'timeout', 'connect']).describe('Failures that are retried. Retries only happen before the first byte reaches the client.'),
  })
  .strict()
  .describe('Retry policy for upstream failures.');

export const AccessRule = z
  .object({
    teams: z.array(z.string().min(1).max(128)).max(256).optional().describe('API keys whose team is one of these.'),
    users: z.array(z.string().min(1).max(256)).max(256).optional().describe('API keys whose user is one of these.'),
    keys: z.array(ObjectName).max(256).optional().describe('API-key Secrets (by name, same namespace).'),
  })
  .strict()
  .describe('Callers matching any listed field are allowed.');

export const Access = z
  .object({
    allow: z.array(AccessRule).max(64).optional().describe('Allowed callers. Unset: every valid API key may call the route.'),
  })
  .strict()
  .describe('Who may call this route.');

export const ModelRouteSpec = z
  .object({
    model: ModelName,
    aliases: z.array(ModelName).max(32).optional().describe('Other names that resolve to this route.'),
    strategy: Strategy.default('weighted'),
    targets: z.array(Target).min(1).max(64).describe('Upstreams serving this route.'),
    fallback: z.array(FallbackTarget).max(16).optional().describe('Upstreams tried in order once every target has failed.'),
    retry: Retry.optional(),
    timeouts: Timeouts.optional().describe('Overrides the Providers\' timeouts for this route.'),
    access: Access.optional(),
  })
  .strict()
  .describe('Desired state of a ModelRoute.');

export const ModelRoute = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('ModelRoute'),
    metadata: ObjectMeta,
    spec: ModelRouteSpec,
    status: Status.optional(),
  })
  .describe('A ModelRoute exposes a model name to clients and routes its requests to providers.');

export type ModelRoute = z.infer<typeof ModelRoute>;
export type ModelRouteSpec = z.infer<typeof ModelRouteSpec>;
