// ModelRoute: a model name clients may call, and how requests for it reach providers.
import { z } from 'zod';
import { API_VERSION, Duration, ObjectMeta, ObjectName, Status, Timeouts } from './common.ts';
import { withRules } from './cel.ts';
import { durationMs } from './duration.ts';
import { maxProperties, setList } from './kube.ts';

export const STRATEGIES = ['weighted', 'priority', 'latency', 'least-busy', 'cost'] as const;
export const Strategy = z
  .enum(STRATEGIES)
  .describe(
    'How a target is chosen: weighted (random in proportion to weight), priority (lowest priority number first, weighted within a level), ' +
      'latency (lowest peak-EWMA latency of two targets drawn at random by weight), least-busy (fewest requests in flight on this proxy) ' +
      'or cost (cheapest target by list price that can serve the request, ties by weight).',
  );

export const ModelName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/)
  .describe('A model name as clients send it in the request body.');

export const Target = z
  .object({
    provider: ObjectName.describe('Name of a Provider in the same namespace.'),
    model: z.string().min(1).max(256).optional().describe('Model name sent to the provider. Default: the route\'s model.'),
    weight: z.number().int().min(0).max(10000).default(1).describe('Relative share of traffic (weighted strategy). 0 disables the target.'),
    priority: z.number().int().min(0).max(100).default(0).describe('Lower is preferred (priority strategy).'),
    spillover: z
      .boolean()
      .optional()
      .describe('Skip this target while its Provider is saturated (limits.maxConcurrent, spec.saturation) and send the request to the next one; each spill is counted. Default false.'),
  })
  .strict()
  .describe('An upstream that can serve the route.');

export const FALLBACK_ON = ['error', 'context-length'] as const;
export const FallbackOn = z
  .enum(FALLBACK_ON)
  .describe('When a fallback is used: error (every target failed) or context-length (a target answered that the request exceeds its context window).');

export const FallbackTarget = z
  .object({
    provider: ObjectName.describe('Name of a Provider in the same namespace.'),
    model: z.string().min(1).max(256).optional().describe('Model name sent to the provider. Default: the route\'s model.'),
    when: setList(z.array(FallbackOn).min(1).max(2)).optional().describe('When this fallback is used. Default [error]. (Named `when`, not `on`: YAML 1.1, which kubectl reads, turns a bare `on` key into true — ADR 0005.)'),
  })
  .strict()
  .describe('An upstream tried, in order, after every target has failed.');

export const RETRY_ON = ['rate-limited', '5xx', 'timeout', 'connect'] as const;

export const RetryOn = z.enum(RETRY_ON).describe('A failure class: rate-limited (HTTP 429), 5xx (server error), timeout or connect (connection failure).');

export const Backoff = withRules(
  z
    .object({
      base: Duration.default('100ms').describe('Backoff before the first retry; doubles each retry, with full jitter.'),
      max: Duration.default('2s').describe('Longest backoff between two attempts.'),
    })
    .strict()
    .describe('Exponential backoff with jitter between attempts.'),
  [
    {
      rule: '!has(self.base) || !has(self.max) || duration(self.base) <= duration(self.max)',
      message: 'backoff.base must not be longer than backoff.max',
      fieldPath: '.base',
      holds: (b) => durationMs(b.base) <= durationMs(b.max),
    },
  ],
);

export const Retry = z
  .object({
    attempts: z.number().int().min(1).max(10).default(2).describe('Attempts per target, counting the first one.'),
    backoff: Backoff.optional(),
    retryOn: setList(z.array(RetryOn).max(4)).default(['rate-limited', '5xx', 'timeout', 'connect']).describe('Failures that are retried. Retries only happen before the first byte reaches the client.'),
  })
  .strict()
  .describe('Retry policy for upstream failures.');

export const AccessRule = withRules(
  z
    .object({
      teams: setList(z.array(z.string().min(1).max(128).describe('A team name.')).max(256)).optional().describe('API keys whose team is one of these.'),
      users: setList(z.array(z.string().min(1).max(256).describe('A user name.')).max(256)).optional().describe('API keys whose user is one of these.'),
      keys: setList(z.array(ObjectName.describe('Name of an API-key Secret in the same namespace.')).max(256)).optional().describe('API-key Secrets (by name, same namespace).'),
      groups: setList(z.array(z.string().min(1).max(256).describe('A group name.')).max(256)).optional().describe('JWT callers whose groups claim holds one of these (API keys have no groups).'),
    })
    .strict()
    .describe('Callers matching any listed field are allowed.'),
  [
    {
      rule: 'has(self.teams) || has(self.users) || has(self.keys) || has(self.groups)',
      message: 'an access rule must list at least one of teams, users, keys or groups',
      holds: (r) => r.teams !== undefined || r.users !== undefined || r.keys !== undefined || r.groups !== undefined,
    },
  ],
);

export const Access = z
  .object({
    allow: z.array(AccessRule).max(64).optional().describe('Allowed callers. Unset: every valid API key may call the route.'),
  })
  .strict()
  .describe('Who may call this route.');

const StringMap = (what: string) => maxProperties(z.record(z.string(), z.string().max(1024).describe('The exact value.')), 32).describe(what);

export const RouteMatch = withRules(
  z
    .object({
      headers: StringMap('Request headers that must have exactly these values; names in lower case.').optional(),
      metadata: StringMap('Entries the request body\'s `metadata` object (OpenAI and Anthropic requests) must hold with exactly these string values.').optional(),
      keys: setList(z.array(ObjectName.describe('Name of an API-key Secret in the same namespace.')).max(256)).optional().describe('The caller\'s API-key Secret is one of these.'),
      teams: setList(z.array(z.string().min(1).max(128).describe('A team name.')).max(256)).optional().describe('The caller\'s team is one of these.'),
      claims: StringMap('JWT claims the caller\'s token must carry with exactly these values (numbers and booleans compared as text).').optional(),
    })
    .strict()
    .describe('Conditions on a request; every field given must match.'),
  [
    {
      rule: 'has(self.headers) || has(self.metadata) || has(self.keys) || has(self.teams) || has(self.claims)',
      message: 'a match must give at least one of headers, metadata, keys, teams or claims',
      holds: (m) => m.headers !== undefined || m.metadata !== undefined || m.keys !== undefined || m.teams !== undefined || m.claims !== undefined,
    },
    {
      rule: '!has(self.headers) || self.headers.all(k, k == k.lowerAscii())',
      message: 'header names must be lower case',
      fieldPath: '.headers',
      holds: (m) => Object.keys(m.headers ?? {}).every((k) => k === k.toLowerCase()),
    },
  ],
);

export const RouteRule = z
  .object({
    name: z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).describe('Name of the rule, shown by /debug/explain and in the access log.'),
    match: RouteMatch,
    strategy: Strategy.optional().describe('How a target is chosen among this rule\'s targets. Default: the route\'s strategy.'),
    targets: z.array(Target).min(1).max(64).describe('Upstreams serving requests that match; the route\'s fallback still follows them.'),
  })
  .strict()
  .describe('Conditional routing: requests matching `match` go to these targets instead of spec.targets.');

const ModelRouteSpecFields = z
  .object({
    model: ModelName,
    aliases: setList(z.array(ModelName).max(32)).optional().describe('Other names that resolve to this route.'),
    strategy: Strategy.default('weighted'),
    rules: z.array(RouteRule).max(32).optional().describe('Conditional routing, first match wins; requests matching no rule use spec.targets.'),
    targets: z.array(Target).min(1).max(64).describe('Upstreams serving this route.'),
    fallback: z.array(FallbackTarget).max(16).optional().describe('Upstreams tried in order once every target has failed.'),
    retry: Retry.optional(),
    timeouts: Timeouts.optional().describe('Overrides the Providers\' timeouts for this route.'),
    access: Access.optional(),
  })
  .strict()
  .describe('Desired state of a ModelRoute.');

/** The upstream model a target or fallback entry calls: its own model, else the route's. */
const upstreamModel = (entry: { model?: string | undefined }, routeModel: string): string => entry.model ?? routeModel;

export const ModelRouteSpec = withRules(ModelRouteSpecFields, [
  {
    rule: '!has(self.aliases) || !(self.model in self.aliases)',
    message: 'aliases must not contain the route\'s own model name',
    fieldPath: '.aliases',
    holds: (s) => !(s.aliases ?? []).includes(s.model),
  },
  {
    rule:
      '!has(self.targets) || self.targets.all(t, self.targets.exists_one(u, u.provider == t.provider && ' +
      '(has(u.model) ? u.model : self.model) == (has(t.model) ? t.model : self.model)))',
    message: 'targets must be unique by provider and model',
    fieldPath: '.targets',
    holds: (s) => {
      const keys = s.targets.map((t) => `${t.provider}\n${upstreamModel(t, s.model)}`);
      return new Set(keys).size === keys.length;
    },
  },
  {
    rule: '!has(self.rules) || self.rules.all(r, self.rules.exists_one(u, u.name == r.name))',
    message: 'rule names must be unique',
    fieldPath: '.rules',
    holds: (s) => {
      const names = (s.rules ?? []).map((r) => r.name);
      return new Set(names).size === names.length;
    },
  },
]);

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
export type RouteRule = z.infer<typeof RouteRule>;
export type RouteMatch = z.infer<typeof RouteMatch>;
export type RouteStrategy = z.infer<typeof Strategy>;
