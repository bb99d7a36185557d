// docs/operations.md stays true to the code it describes: every chart value it names exists in the chart's
// values.yaml, every alert in the chart's PrometheusRule (and the other way round), every metric in the registries
// the processes build, every CLI command it shows parses, and every relative link resolves.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createIdentityMetrics } from '../../pkg/identity/metrics.ts';
import { createOperatorMetrics } from '../../pkg/operator/metrics.ts';
import { createDataPlaneParts } from '../../pkg/serve/dataplane.ts';
import type { DataPlaneParts } from '../../pkg/serve/dataplane.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { ROOT, callCli } from '../support/cli.ts';

const DOC = 'docs/operations.md';
const text = readFileSync(join(ROOT, DOC), 'utf8');
const values = parse(readFileSync(join(ROOT, 'charts/switchyard/values.yaml'), 'utf8')) as Record<string, unknown>;
const metricNames = new Set<string>();
let parts: DataPlaneParts;

beforeAll(() => {
  parts = createDataPlaneParts(createLogger({ level: 'silent', destination: new Writable({ write(_c, _e, cb) { cb(); } }) }), 'required');
  createIdentityMetrics(parts.registry);
  const operator = new Registry();
  createOperatorMetrics(operator, { connectedProxies: () => 0 });
  for (const r of [parts.registry, operator]) for (const m of r.getMetricsAsArray()) metricNames.add((m as unknown as { name: string }).name);
});
afterAll(async () => { await parts.pools.close(); });

function hasValue(path: string): boolean {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** Chart value paths the guide names: `--set a.b=…` and the first column of the values table. */
function namedValues(): string[] {
  const fromSet = [...text.matchAll(/--set ([a-zA-Z.]+)=/g)].map((m) => m[1] ?? '');
  const table = text.slice(text.indexOf('| value | default |'), text.indexOf('Then add Providers'));
  const fromTable = [...table.matchAll(/^\| (.+?) \|/gm)].flatMap((m) => [...(m[1] ?? '').matchAll(/`([a-zA-Z.]+)`/g)].map((c) => c[1] ?? ''));
  return [...fromSet, ...fromTable];
}

describe(DOC, () => {
  it('names only chart values that exist', () => {
    const named = namedValues();
    expect(named.length).toBeGreaterThan(12);
    expect(named.filter((v) => !hasValue(v))).toEqual([]);
  });

  it('lists exactly the alerts of the chart\'s PrometheusRule', () => {
    const rule = readFileSync(join(ROOT, 'charts/switchyard/templates/prometheusrule.yaml'), 'utf8');
    const chartAlerts = [...rule.matchAll(/- alert: (\w+)/g)].map((m) => m[1]).sort();
    const docAlerts = [...text.matchAll(/^\| `(Switchyard\w+)` \|/gm)].map((m) => m[1]).sort();
    expect(chartAlerts.length).toBeGreaterThan(0);
    expect(docAlerts).toEqual(chartAlerts);
  });

  it('names only metrics our processes export', () => {
    const named = [...new Set([...text.matchAll(/\bswitchyard_[a-z0-9_]+/g)].map((m) => m[0]))];
    expect(named.length).toBeGreaterThan(8);
    expect(named.filter((n) => !metricNames.has(n))).toEqual([]);
  });

  it('its relative links resolve', () => {
    const links = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1] ?? '').filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !existsSync(join(ROOT, dirname(DOC), l)))).toEqual([]);
  });

  it('the switchyard commands it shows run as shown', async () => {
    const commands = [...text.matchAll(/^switchyard (validate|explain) ([^\n#]+?)\s*(?:#.*)?$/gm)].map((m) => [m[1] ?? '', ...(m[2] ?? '').trim().split(/\s+/)]);
    expect(new Set(commands.map((c) => c[0]))).toEqual(new Set(['explain', 'validate']));
    for (const c of commands.filter((x) => !x.includes('./my-manifests'))) {
      const r = await callCli(c);
      expect(r.code, `${c.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it('names the Deployments the chart creates for a release called switchyard', () => {
    const helpers = readFileSync(join(ROOT, 'charts/switchyard/templates/_helpers.tpl'), 'utf8');
    expect(helpers).toContain('{{- define "switchyard.operator.fullname" -}}{{ include "switchyard.fullname" . }}-operator{{- end }}');
    expect(helpers).toContain('{{- define "switchyard.proxy.fullname" -}}{{ include "switchyard.fullname" . }}-proxy{{- end }}');
    expect(helpers).toMatch(/if contains \$name \.Release\.Name/); // release "switchyard" → fullname "switchyard"
    expect(text).toContain('deploy/switchyard-operator deploy/switchyard-proxy');
    expect(values).toMatchObject({ proxy: { ports: { http: 8080, admin: 9090 }, service: { port: 80 } }, operator: { ports: { admin: 9091 } } });
  });
});
