// Standalone reload sequences over real files (issue 6): a typo in a live route keeps its last accepted version
// serving; a new route cannot take a model an older route serves; a route whose only Provider is deleted answers a
// non-retryable 500. Each reload is triggered explicitly (watch: false) so the sequence is deterministic.
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReloadResult } from '../../pkg/serve/reloader.ts';
import { startStandalone } from '../../pkg/serve/standalone.ts';
import type { StandaloneGateway } from '../../pkg/serve/standalone.ts';
import type { ObjectStatus } from '../../pkg/table/types.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

const KEY = 'sk-reloader-test-key-0001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BASE = `apiVersion: v1
kind: Secret
metadata: { name: client, labels: { switchyard.dev/api-key: "true" } }
stringData: { key: ${KEY}, team: a }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: fake }
spec: { type: fake }
`;
const SOLO_PROVIDER = `apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: solo }
spec: { type: fake }
`;
const route = (name: string, model: string, provider = 'fake', weight = 1) => `apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: ${name} }
spec: { model: ${model}, targets: [{ provider: ${provider}, weight: ${weight} }] }
`;

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(c, _e, cb) { lines.push(...String(c).split('\n').filter(Boolean)); cb(); } });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

let dir: string;
let gw: StandaloneGateway;
const { lines, logger } = capture();

async function chat(model: string): Promise<{ status: number; code?: string; message?: string; retryAfter: string | null; route: string | null }> {
  const res = await fetch(`${gw.dataUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, code: body.error?.code, message: body.error?.message, retryAfter: res.headers.get('retry-after'), route: res.headers.get('x-switchyard-route') };
}

function statusOf(result: ReloadResult, kind: string, name: string): ObjectStatus | undefined {
  return result.outcome === 'failed' ? undefined : result.statuses.find((s) => s.kind === kind && s.name === name);
}

function accepted(s: ObjectStatus | undefined) {
  return s?.conditions.find((c) => c.type === 'Accepted');
}

/** The warn lines logged since `from`, parsed. */
function warnsSince(from: number): { msg: string; notAccepted?: unknown[]; stale?: { object: string; message: string }[]; dropped?: string[] }[] {
  return lines.slice(from).map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'warn' && l.msg.startsWith('config reload:'));
}

async function reload(): Promise<ReloadResult> {
  const r = await gw.reload();
  if (r.outcome === 'failed') throw new Error(`reload failed: ${r.reason}`);
  return r;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swy-reloader-'));
  await writeFile(join(dir, 'base.yaml'), BASE);
  await writeFile(join(dir, 'solo-provider.yaml'), SOLO_PROVIDER);
  await writeFile(join(dir, 'live.yaml'), route('live', 'live-model'));
  await writeFile(join(dir, 'owner.yaml'), route('zz-owner', 'shared-model'));
  await writeFile(join(dir, 'solo.yaml'), route('solo', 'solo-model', 'solo'));
  gw = await startStandalone({ configDir: dir, dataPort: 0, adminPort: 0, host: '127.0.0.1', logger, env: {}, watch: false, drainTimeoutMs: 1000 });
});
afterAll(async () => {
  await gw?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('standalone reloads never take a live model away by accident', () => {
  it('(a) a typo in a live route: the model keeps answering 200, status and a warn line name the version still served', async () => {
    expect((await chat('live-model')).status).toBe(200);
    const version = gw.holder.table?.version;
    const from = lines.length;
    await writeFile(join(dir, 'live.yaml'), route('live', 'live-model', 'fake', -1));
    const r = await reload();

    expect(r.outcome).toBe('unchanged'); // the last accepted version compiles to the very same table
    expect(gw.holder.table?.version).toBe(version);
    expect(accepted(statusOf(r, 'ModelRoute', 'live'))).toMatchObject({
      status: 'False', reason: 'Invalid',
      message: expect.stringMatching(/^spec\.targets\[0\]\.weight: .*; the last accepted version keeps serving until this is fixed$/),
    });
    expect(r.outcome !== 'failed' && r.stale).toEqual([expect.objectContaining({ kind: 'ModelRoute', name: 'live', reason: 'Invalid' })]);
    const res = await chat('live-model');
    expect(res.status).toBe(200);
    expect(res.route).toBe('live');

    const [warn, ...more] = warnsSince(from);
    expect(more).toEqual([]);
    expect(warn?.msg).toContain('1 serving their last accepted version');
    expect(warn?.stale).toEqual([expect.objectContaining({ object: 'ModelRoute default/live', message: expect.stringContaining('keeps serving') })]);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^switchyard_config_last_good_objects 1$/m);

    // Fixing the typo (with a real change) loads the new version and clears the stale count.
    await writeFile(join(dir, 'live.yaml'), route('live', 'live-model', 'fake', 3));
    const fixed = await reload();
    expect(fixed.outcome).toBe('loaded');
    expect(accepted(statusOf(fixed, 'ModelRoute', 'live'))?.status).toBe('True');
    expect(gw.holder.table?.routes.find((x) => x.id === 'default/live')?.targets[0]?.weight).toBe(3);
    expect(await (await fetch(`${gw.adminUrl}/metrics`)).text()).toMatch(/^switchyard_config_last_good_objects 0$/m);
  });

  it('(b) a new route that sorts first cannot take a model an older route serves: it gets Conflict naming the winner', async () => {
    await sleep(20); // a later first-seen time than every object of the first load
    const from = lines.length;
    await writeFile(join(dir, 'aa-new.yaml'), route('aa-new', 'shared-model'));
    const r = await reload();

    expect(gw.holder.table?.models['shared-model']).toBe('default/zz-owner');
    expect(accepted(statusOf(r, 'ModelRoute', 'aa-new'))).toMatchObject({
      status: 'False', reason: 'Conflict',
      message: expect.stringMatching(/^model name shared-model is already served by ModelRoute default\/zz-owner \(it is older: first seen \S+, this route first seen \S+\)/),
    });
    expect(accepted(statusOf(r, 'ModelRoute', 'zz-owner'))?.status).toBe('True');
    expect((await chat('shared-model')).route).toBe('zz-owner');
    const [warn] = warnsSince(from);
    expect(warn?.notAccepted).toEqual([expect.objectContaining({ object: 'ModelRoute default/aa-new', reason: 'Conflict' })]);

    // First-seen times survive reloads: another unrelated reload does not hand the model over.
    await writeFile(join(dir, 'other.yaml'), route('other', 'other-model'));
    await reload();
    expect(gw.holder.table?.models['shared-model']).toBe('default/zz-owner');
  });

  it('(c) deleting the only Provider of a route: the route answers 500 route_misconfigured, and the drop is logged at warn', async () => {
    expect((await chat('solo-model')).status).toBe(200);
    const from = lines.length;
    await unlink(join(dir, 'solo-provider.yaml'));
    const r = await reload();

    expect(r.outcome).toBe('loaded');
    const solo = gw.holder.table?.routes.find((x) => x.id === 'default/solo');
    expect(solo?.targets).toEqual([]);
    expect(solo?.unresolved).toEqual({
      retryable: false, reason: 'ProviderNotFound',
      message: 'model route default/solo is misconfigured: targets[0]: Provider default/solo not found; create it or fix the name',
    });
    const [warn] = warnsSince(from);
    expect(warn?.dropped).toEqual(['Provider default/solo']);
    expect(warn?.notAccepted).toContainEqual(expect.objectContaining({ object: 'ModelRoute default/solo', reason: 'ProviderNotFound' }));

    const res = await chat('solo-model');
    expect(res.status).toBe(500);
    expect(res.code).toBe('route_misconfigured');
    expect(res.retryAfter).toBeNull();
    expect(res.message).toContain('default/solo');
  });

  it('a deleted object is gone, not stale: removing a route file drops its model and logs the drop', async () => {
    const from = lines.length;
    await unlink(join(dir, 'other.yaml'));
    const r = await reload();
    expect(r.outcome !== 'failed' && r.stale).toEqual([]);
    expect(gw.holder.table?.models['other-model']).toBeUndefined();
    const [warn] = warnsSince(from);
    expect(warn?.dropped).toEqual(['ModelRoute default/other', 'model other-model']);
  });
});
