// `switchyard explain --config DIR... --model M [--key K | --team T --user U]`: how a set of manifests would serve one
// model name, offline — for reviewing a GitOps change before it merges. The manifests are loaded and compiled as
// `switchyard validate` does (Secrets and ${env:…} values that are absent are assumed present, so a repository
// without its Secrets still explains); the explanation itself is /debug/explain's (pkg/admin/explain.ts).
import { explainModel } from '../admin/explain.ts';
import { explainRouting } from '../admin/explain-routing.ts';
import type { RoutingExplanation } from '../admin/explain-routing.ts';
import type { ExplainCaller, Explanation } from '../admin/explain.ts';
import { compile } from '../compiler/index.ts';
import { readManifestPaths, resolveDocuments } from '../config/load.ts';
import { formatExplanation } from './explain-format.ts';
import { assumeSecrets, envPlaceholder } from './validate-assume.ts';

export interface OfflineExplainOptions {
  /** Files and directories, as named on the command line (read like `switchyard validate` reads them). */
  readonly paths: readonly string[];
  readonly model: string;
  readonly caller?: ExplainCaller;
  readonly format: 'text' | 'json';
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Where the explanation comes from: the files read and what had to be assumed. */
export interface ExplainSource {
  readonly paths: readonly string[];
  readonly files: readonly string[];
  /** Secrets referenced but not in the set ("namespace/name"), assumed present with the keys that are read. */
  readonly assumedSecrets: readonly string[];
  /** Provider, ModelRoute and Quota objects that would not be accepted ("Kind namespace/name: reason"). */
  readonly notAccepted: readonly string[];
}

export interface OfflineExplanation extends Explanation {
  readonly source: ExplainSource;
  /** Which rule and strategy apply and the order targets are preferred in (offline: every target idle and healthy). */
  readonly routing: RoutingExplanation | null;
}

export interface OfflineExplainResult {
  /** 0 explained; 1 a file could not be loaded or no route serves the model. */
  readonly code: 0 | 1;
  readonly stdout: string;
  readonly stderr: string;
}

const KINDS: ReadonlySet<string> = new Set(['Provider', 'ModelRoute', 'Quota']);

export async function explainPaths(opts: OfflineExplainOptions): Promise<OfflineExplainResult> {
  const read = await readManifestPaths(opts.paths);
  if (read.errors.length > 0) {
    const lines = read.errors.map((e) => `switchyard: ${e.file}: ${e.message}\n`).join('');
    return { code: 1, stdout: '', stderr: `${lines}switchyard: fix the files first (switchyard validate ${opts.paths.join(' ')} says more)\n` };
  }
  const assumed = assumeSecrets(resolveDocuments(read.documents, opts.env, envPlaceholder()).objects);
  const { table, statuses } = compile(assumed.objects);
  const notAccepted = statuses
    .filter((s) => KINDS.has(s.kind))
    .flatMap((s) => s.conditions.filter((c) => c.type === 'Accepted' && c.status !== 'True').map((c) => `${s.kind} ${s.namespace}/${s.name}: ${c.reason}`));
  const source: ExplainSource = { paths: [...opts.paths], files: read.files, assumedSecrets: [...assumed.stubs].sort(), notAccepted };
  const explained = explainModel(table, opts.model, null, opts.caller);
  if (explained === null) {
    const models = Object.keys(table.models).sort();
    if (opts.format === 'json') {
      const body = { error: { message: 'No route serves this model name.', code: 'model_not_found', param: 'model' }, models, source };
      return { code: 1, stdout: `${JSON.stringify(body, null, 2)}\n`, stderr: '' };
    }
    const known = models.length === 0 ? 'the set serves no model' : `served models: ${models.join(', ')}`;
    return { code: 1, stdout: '', stderr: `switchyard: no route serves the model ${JSON.stringify(opts.model)}; ${known}\n` };
  }
  const route = table.routes.find((r) => r.id === explained.route.id);
  const facts = { ...(opts.caller?.key === undefined ? {} : { key: opts.caller.key }), ...(opts.caller?.team === undefined ? {} : { team: opts.caller.team }) };
  const routing = route === undefined ? null : explainRouting(table, route, facts);
  const out: OfflineExplanation = { ...explained, source, routing };
  return { code: 0, stdout: opts.format === 'json' ? `${JSON.stringify(out, null, 2)}\n` : formatExplanation(out), stderr: '' };
}
