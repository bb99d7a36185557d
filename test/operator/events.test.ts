import { describe, expect, it } from 'vitest';
import { affectsTable, isStatusOnlyUpdate } from '../../pkg/operator/events.ts';
import { gatherSnapshot } from '../../pkg/operator/gather.ts';
import type { KubeObject } from '../../pkg/operator/kube/object.ts';

const API = 'switchyard.dev/v1alpha1';
const route = (gen: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: API, kind: 'ModelRoute', metadata: { name: 'r', namespace: 'ns', generation: gen, resourceVersion: String(gen * 10) }, spec: { model: 'm' }, ...extra,
});
const provider = (name: string, secret?: string): KubeObject => ({
  apiVersion: API, kind: 'Provider', metadata: { name, namespace: 'ns', generation: 1 },
  spec: { type: 'openai', ...(secret === undefined ? {} : { auth: { secretRef: { name: secret, key: 'k' } } }) },
});
const secret = (name: string, data: Record<string, string>, labels: Record<string, string> = {}, ns = 'ns'): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns, labels }, data,
});

describe('which events can change the table', () => {
  it('C11 a status-only update (same generation, same labels) does not reconcile', () => {
    const ev = { type: 'update' as const, old: route(3), obj: { ...route(3, { status: { observedGeneration: 3 } }), metadata: { ...route(3).metadata, resourceVersion: '31' } } };
    expect(affectsTable(ev, () => new Set())).toBe(false);
    expect(isStatusOnlyUpdate(ev)).toBe(true);
  });

  it('a spec change (new generation), a label change, an add and a delete do', () => {
    expect(affectsTable({ type: 'update', old: route(3), obj: route(4) }, () => new Set())).toBe(true);
    const labelled = { ...route(3), metadata: { ...route(3).metadata, labels: { team: 'a' } } };
    expect(affectsTable({ type: 'update', old: route(3), obj: labelled }, () => new Set())).toBe(true);
    expect(affectsTable({ type: 'add', obj: route(1) }, () => new Set())).toBe(true);
    expect(affectsTable({ type: 'delete', obj: route(1) }, () => new Set())).toBe(true);
  });

  it('Secrets matter only when referenced or labelled as API keys, and only when their content changes', () => {
    const refs = (): ReadonlySet<string> => new Set(['ns/creds']);
    expect(affectsTable({ type: 'add', obj: secret('unrelated', { a: 'eA==' }) }, refs)).toBe(false);
    expect(affectsTable({ type: 'add', obj: secret('creds', { k: 'eA==' }) }, refs)).toBe(true);
    expect(affectsTable({ type: 'add', obj: secret('key1', {}, { 'switchyard.dev/api-key': 'true' }) }, refs)).toBe(true);
    const old = secret('creds', { k: 'eA==' });
    expect(affectsTable({ type: 'update', old, obj: { ...old, metadata: { ...old.metadata, annotations: { x: 'y' } } } }, refs)).toBe(false);
    expect(affectsTable({ type: 'update', old, obj: secret('creds', { k: 'eQ==' }) }, refs)).toBe(true);
    // becoming an API key by label
    const plain = secret('other', { key: 'eA==' });
    expect(affectsTable({ type: 'update', old: plain, obj: secret('other', { key: 'eA==' }, { 'switchyard.dev/api-key': 'true' }) }, refs)).toBe(true);
  });
});

describe('gather', () => {
  it('keeps referenced (same namespace) and API-key Secrets only, in a stable order', () => {
    const caches = {
      providers: [provider('p2', 'creds'), provider('p1')],
      routes: [route(1)],
      quotas: [],
      secrets: [secret('unrelated', {}), secret('creds', {}, {}, 'other-ns'), secret('creds', {}), secret('k', {}, { 'switchyard.dev/api-key': 'true' })],
    };
    const snap = gatherSnapshot(caches);
    const names = snap.objects.map((o) => `${o.kind}:${o.metadata.namespace}/${o.metadata.name}`);
    expect(names).toEqual(['Provider:ns/p1', 'Provider:ns/p2', 'ModelRoute:ns/r', 'Secret:ns/creds', 'Secret:ns/k']);
    const shuffled = gatherSnapshot({ ...caches, providers: [...caches.providers].reverse(), secrets: [...caches.secrets].reverse() });
    expect(shuffled.objects).toEqual(snap.objects);
  });
});
