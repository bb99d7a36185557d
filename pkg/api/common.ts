// Shared building blocks of the switchyard.dev/v1alpha1 API: object metadata, references, durations, conditions.
import { z } from 'zod';
import { mapList } from './kube.ts';

export const GROUP = 'switchyard.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Kubernetes object name (DNS-1123 subdomain). */
export const ObjectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
  .describe('Name of an object in the same namespace (DNS-1123 subdomain).');

/** A Go-style duration of one unit, e.g. "250ms", "30s", "5m", "1h" (at most 6 digits, so CEL's duration() can parse it). */
export const Duration = z
  .string()
  .max(8)
  .regex(/^[0-9]{1,6}(ms|s|m|h)$/)
  .describe('A duration: a whole number followed by ms, s, m or h, such as "250ms", "30s", "5m" or "1h".');

export const SecretKeyRef = z
  .object({
    name: ObjectName.describe('Name of a Secret in the same namespace.'),
    key: z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/).describe('Key inside the Secret\'s data.'),
  })
  .strict()
  .describe('A reference to one key of a Secret in the same namespace.');

export const Timeouts = z
  .object({
    connect: Duration.optional().describe('Time to establish the TCP/TLS connection to the upstream. Default 10s.'),
    firstByte: Duration.optional().describe('Time from sending the request until the upstream\'s response headers arrive. Default 300s (reasoning models think before they answer).'),
    idle: Duration.optional().describe('Longest silence allowed between two chunks of an upstream response body. Default 120s.'),
    total: Duration.optional().describe('Cap on the whole upstream exchange. Unset means no cap (long generations are allowed).'),
    poolAcquire: Duration.optional().describe('Longest wait for a free pooled connection to the upstream when every one is busy; nothing is sent, so the request fails over. Default 30s.'),
  })
  .strict()
  .describe('Timeouts for calls to an upstream provider.');

export const ObjectMeta = z
  .object({
    name: ObjectName,
    namespace: z.string().min(1).max(63).optional(),
    generation: z.number().int().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();

export const ConditionStatus = z.enum(['True', 'False', 'Unknown']);

export const Condition = z
  .object({
    type: z.string().min(1).max(316).describe('Type of condition: Accepted, ResolvedRefs, Programmed, Healthy or Exceeded.'),
    status: ConditionStatus.describe('True, False or Unknown.'),
    reason: z.string().max(1024).describe('One-word CamelCase reason for the condition\'s last transition.'),
    message: z.string().max(32768).describe('Human-readable explanation, written so that a person can act on it.'),
    observedGeneration: z.number().int().min(0).optional().describe('The metadata.generation this condition was computed from.'),
    lastTransitionTime: z.string().max(64).optional().describe('Last time the status changed (RFC 3339).'),
  })
  .describe('A standard Kubernetes status condition.');

export const Status = z
  .object({
    observedGeneration: z.number().int().min(0).optional().describe('The metadata.generation the controller last processed.'),
    conditions: mapList(z.array(Condition).max(16), 'type').optional().describe('Current state of the object, one condition per type.'),
  })
  .loose()
  .describe('Observed state, written by the controller.');

export type Condition = z.infer<typeof Condition>;
export type SecretKeyRef = z.infer<typeof SecretKeyRef>;
export type Timeouts = z.infer<typeof Timeouts>;
