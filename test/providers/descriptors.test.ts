// Provider descriptors are the single source of truth: every type the API accepts has one or is reported as not
// served (with the served list from the registry); the compiler's defaults, the API's preset enum and the adapter's
// preset quirks all agree with them; each descriptor is internally consistent.
import { describe, expect, it } from 'vitest';
import { CLIENT_APIS } from '../../pkg/canonical/types.ts';
import { compile } from '../../pkg/compiler/index.ts';
import { OPENAI_COMPATIBLE_PRESETS, PROVIDER_TYPES } from '../../pkg/api/provider.ts';
import { DESCRIPTORS, apiOperation, descriptorFor, effectiveDescriptor, presetNames, servedTypes } from '../../pkg/providers/descriptors.ts';
import type { ClientApiSupport, ProviderDescriptor } from '../../pkg/providers/descriptor-types.ts';
import { presetFor } from '../../pkg/providers/openai-compatible/presets.ts';

const SECRET = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys', namespace: 'default' }, stringData: { k: 'sk-test' } };

function provider(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: 'default' }, spec };
}

function conditions(result: ReturnType<typeof compile>, name: string) {
  return result.statuses.find((s) => s.kind === 'Provider' && s.name === name)?.conditions ?? [];
}

function checkSupport(where: string, s: ClientApiSupport & { operations: readonly string[] }): void {
  for (const api of [...s.nativeApis, ...s.translatedApis]) expect(CLIENT_APIS, where).toContain(api);
  expect(s.nativeApis.filter((a) => s.translatedApis.includes(a)), `${where}: native and translated overlap`).toEqual([]);
  for (const api of s.nativeApis) expect(s.operations, `${where}: ${api} is native but its operation is not offered`).toContain(apiOperation(api));
  // Chat-family APIs translate through the canonical chat form (chat must be offered); the OpenAI Embeddings API
  // through the canonical embeddings form (pkg/canonical/embeddings.ts: embeddings must be offered).
  if (s.translatedApis.includes('openai-embeddings')) expect(s.operations, where).toContain('embeddings');
  if (s.translatedApis.some((a) => a !== 'openai-embeddings')) expect(s.operations, where).toContain('chat');
}

describe('provider descriptors', () => {
  it('every type the API enum accepts has a descriptor, or the compiler reports it unsupported listing the served types', () => {
    const served = servedTypes();
    expect(served.length).toBeGreaterThanOrEqual(4);
    for (const type of PROVIDER_TYPES) {
      if (descriptorFor(type) !== undefined) continue;
      const result = compile([SECRET, provider('p', { type, auth: { secretRef: { name: 'keys', key: 'k' } }, baseURL: 'https://example.com/v1' })]);
      const accepted = conditions(result, 'p').find((c) => c.type === 'Accepted');
      expect(accepted?.status, type).toBe('False');
      expect(accepted?.reason, type).toBe('UnsupportedValue');
      expect(accepted?.message).toBe(`type ${type} is not served by this release; use one of ${served.join(', ')}`);
    }
    for (const type of served) expect(PROVIDER_TYPES as readonly string[], `${type} has a descriptor but the API does not accept it`).toContain(type);
  });

  it('is keyed by type and internally consistent', () => {
    for (const [key, d] of Object.entries(DESCRIPTORS) as [string, ProviderDescriptor][]) {
      expect(d.type).toBe(key);
      checkSupport(key, d);
      if (d.authRequired) expect(d.auth.kind, key).not.toBe('none');
      if (!d.usesBaseURL) expect(d.defaultBaseURL, key).toBeNull();
      for (const name of Object.keys(d.requiredHeaders)) expect(name).toBe(name.toLowerCase());
      for (const [name, p] of Object.entries(d.presets ?? {})) {
        expect(p.name).toBe(name);
        checkSupport(`${key}/${name}`, p);
      }
    }
  });

  it('the API preset enum is the openai-compatible descriptor\'s preset list', () => {
    expect([...OPENAI_COMPATIBLE_PRESETS]).toEqual(presetNames('openai-compatible'));
    expect(presetNames('openai-compatible')).toEqual(expect.arrayContaining(['vllm', 'sglang', 'ollama', 'groq', 'mistral', 'together', 'deepseek', 'fireworks', 'openrouter']));
  });

  it('the compiler fills base URL, stream usage and client APIs of every preset from the descriptor', () => {
    const d = descriptorFor('openai-compatible') as ProviderDescriptor;
    const names = presetNames('openai-compatible').filter((n) => n !== 'generic');
    // Self-hosted presets have no default base URL: they are given one.
    const own = (n: string): string | undefined => (effectiveDescriptor(d, n).defaultBaseURL === null ? `http://${n}.internal:8000/v1` : undefined);
    const result = compile([SECRET, ...names.map((n) => provider(n, { type: 'openai-compatible', preset: n, auth: { secretRef: { name: 'keys', key: 'k' } }, ...(own(n) === undefined ? {} : { baseURL: own(n) }) }))]);
    for (const name of names) {
      const eff = effectiveDescriptor(d, name);
      const p = result.table.providers[`default/${name}`];
      expect(p, name).toBeDefined();
      expect(p?.baseURL, name).toBe(eff.defaultBaseURL ?? own(name));
      expect(presetFor(name).defaultBaseURL, `${name}: the adapter's preset agrees`).toBe(eff.defaultBaseURL);
      expect(p?.streamUsage, name).toBe(eff.streamUsage !== 'never');
      expect(p?.nativeApis, name).toEqual(eff.nativeApis);
      expect(p?.translatedApis, name).toEqual(eff.translatedApis);
    }
  });

  it('the adapter asks for stream usage only where the descriptor says stream_options (Mistral rejects it)', () => {
    const d = descriptorFor('openai-compatible') as ProviderDescriptor;
    for (const name of presetNames('openai-compatible')) {
      expect(presetFor(name).streamOptions, name).toBe(effectiveDescriptor(d, name).streamUsage === 'stream_options');
    }
    expect(presetFor('mistral').streamOptions).toBe(false);
    expect(presetFor('no-such-preset')).toEqual(presetFor('generic'));
  });

  it('auth required comes from the descriptor: openai and anthropic need spec.auth, openai-compatible and fake do not', () => {
    const result = compile([
      provider('o', { type: 'openai' }),
      provider('a', { type: 'anthropic' }),
      provider('c', { type: 'openai-compatible', preset: 'vllm', baseURL: 'http://vllm.internal:8000/v1' }),
      provider('f', { type: 'fake' }),
    ]);
    for (const [name, type] of [['o', 'openai'], ['a', 'anthropic']] as const) {
      expect(descriptorFor(type)?.authRequired).toBe(true);
      const accepted = conditions(result, name).find((c) => c.type === 'Accepted');
      expect(accepted?.reason).toBe('Invalid');
      expect(accepted?.message).toContain(`type ${type} needs spec.auth: secretRef`);
    }
    expect(Object.keys(result.table.providers).sort()).toEqual(['default/c', 'default/f']);
  });

  it('the credential follows the descriptor\'s auth scheme', () => {
    const result = compile([
      SECRET,
      provider('o', { type: 'openai', auth: { secretRef: { name: 'keys', key: 'k' } } }),
      provider('a', { type: 'anthropic', auth: { secretRef: { name: 'keys', key: 'k' } } }),
      provider('h', { type: 'openai-compatible', preset: 'vllm', baseURL: 'http://vllm.internal:8000/v1', auth: { secretRef: { name: 'keys', key: 'k' }, header: 'Api-Key' } }),
    ]);
    expect(result.table.providers['default/o']?.credential).toEqual({ kind: 'header', header: 'authorization', value: 'Bearer sk-test' });
    expect(result.table.providers['default/a']?.credential).toEqual({ kind: 'header', header: 'x-api-key', value: 'sk-test' });
    expect(result.table.providers['default/a']?.headers).toEqual({ 'anthropic-version': '2023-06-01' });
    expect(result.table.providers['default/h']?.credential).toEqual({ kind: 'header', header: 'api-key', value: 'sk-test' });
  });
});
