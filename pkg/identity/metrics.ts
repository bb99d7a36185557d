// Identity metrics, registered on the injected registry. Labels are bounded: the configured issuers (≤ 16) plus
// "unknown" for tokens naming no configured issuer, and three outcomes.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export type VerifyOutcome = 'ok' | 'expired' | 'invalid';

export interface IdentityMetrics {
  /** After a key fetch: ok true/false; null = registered, nothing fetched yet. */
  refreshed(issuer: string, ok: boolean | null, keys: number): void;
  verified(issuer: string, outcome: VerifyOutcome): void;
}

export function createIdentityMetrics(registry: Registry): IdentityMetrics {
  const loaded = new Gauge({ name: 'switchyard_oidc_keys_loaded', help: '1 when the issuer\'s signing keys are loaded, else 0.', labelNames: ['issuer'], registers: [registry] });
  const keys = new Gauge({ name: 'switchyard_oidc_keys', help: 'Signing keys held for the issuer.', labelNames: ['issuer'], registers: [registry] });
  const refresh = new Counter({ name: 'switchyard_oidc_key_refresh_total', help: 'JWKS fetch attempts by outcome.', labelNames: ['issuer', 'outcome'], registers: [registry] });
  const verify = new Counter({ name: 'switchyard_jwt_verifications_total', help: 'JWT bearer tokens checked, by outcome (ok, expired, invalid).', labelNames: ['issuer', 'outcome'], registers: [registry] });
  return {
    refreshed(issuer, ok, n) {
      if (ok === null) {
        loaded.set({ issuer }, 0);
        keys.set({ issuer }, 0);
        return;
      }
      refresh.inc({ issuer, outcome: ok ? 'ok' : 'error' });
      if (ok) {
        loaded.set({ issuer }, 1);
        keys.set({ issuer }, n);
      }
    },
    verified(issuer, outcome) {
      verify.inc({ issuer, outcome });
    },
  };
}
