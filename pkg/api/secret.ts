// Kubernetes Secrets as Switchyard reads them: provider credentials and API keys (label switchyard.dev/api-key).
import { z } from 'zod';
import { ObjectMeta } from './common.ts';

export const API_KEY_LABEL = 'switchyard.dev/api-key';

export const Secret = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('Secret'),
    metadata: ObjectMeta,
    type: z.string().optional(),
    data: z.record(z.string(), z.string()).optional(),
    stringData: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type Secret = z.infer<typeof Secret>;

/** The decoded fields of an API-key Secret (after base64 decoding of data / merging stringData). */
export const ApiKeyFields = z
  .object({
    key: z.string().min(8).max(4096).optional(),
    keyHash: z.string().regex(/^[0-9a-f]{64}$/, 'keyHash must be 64 lower-case hex characters (SHA-256)').optional(),
    team: z.string().min(1).max(128).optional(),
    user: z.string().min(1).max(256).optional(),
    models: z.string().max(65536).optional(),
    expiresAt: z.string().optional(),
  })
  .loose()
  .refine((v) => (v.key === undefined) !== (v.keyHash === undefined), { message: 'set exactly one of key or keyHash' });
export type ApiKeyFields = z.infer<typeof ApiKeyFields>;

/** Decode a Secret's values: data (base64) overlaid by stringData, as the API server does on write. */
export function secretValues(secret: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}
