// `${env:NAME}` references in Secret values (standalone mode only). A value that is exactly `${env:NAME}` becomes
// the value of environment variable NAME — in stringData as is, in data base64-encoded for the caller (so the
// variable holds the plain value in both cases). An unset or empty variable removes the key and yields a warning,
// so the compiler reports SecretKeyNotFound. Warnings name the Secret, the key and the variable, never a value.
// `switchyard validate` may pass a placeholder for unset variables, to judge the configuration as if they were set.

export const ENV_REF = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;
const PARTIAL_REF = /\$\{env:/;

/** One `${env:NAME}` reference whose variable is unset or empty. */
export interface EnvReference {
  /** "namespace/name" of the Secret. */
  readonly secret: string;
  readonly field: 'data' | 'stringData';
  readonly key: string;
  readonly variable: string;
}

export interface EnvResolution {
  readonly object: unknown;
  readonly warnings: string[];
  /** References whose variable is unset or empty (the warnings say the same in words). */
  readonly absent: EnvReference[];
}

/** The warning for an unset variable: names the Secret, the key and the variable. */
export function absentEnvMessage(ref: EnvReference): string {
  return `Secret ${ref.secret} ${ref.field}.${ref.key}: environment variable ${ref.variable} is not set; the key is left out`;
}

/** Value to use for an unset variable instead of leaving the key out (validate's what-if compile). */
export type EnvPlaceholder = (ref: EnvReference) => string;

interface ResolveState {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly warnings: string[];
  readonly absent: EnvReference[];
  readonly placeholder: EnvPlaceholder | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function secretId(obj: Record<string, unknown>): string {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const name = typeof meta.name === 'string' ? meta.name : '<unnamed>';
  return `${ns}/${name}`;
}

function resolveMap(map: Record<string, unknown>, field: 'data' | 'stringData', id: string, state: ResolveState): Record<string, unknown> {
  const { env, warnings } = state;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') {
      out[key] = value;
      continue;
    }
    const m = ENV_REF.exec(value.trim());
    if (m === null) {
      if (PARTIAL_REF.test(value)) {
        warnings.push(`Secret ${id} ${field}.${key}: only a whole value of the form \${env:NAME} is replaced; this value is used literally`);
      }
      out[key] = value;
      continue;
    }
    const name = m[1] ?? '';
    const resolved = Object.hasOwn(env, name) ? env[name] : undefined;
    let text = resolved ?? '';
    if (text === '') {
      const ref: EnvReference = { secret: id, field, key, variable: name };
      warnings.push(absentEnvMessage(ref));
      state.absent.push(ref);
      if (state.placeholder === undefined) continue;
      text = state.placeholder(ref);
    }
    out[key] = field === 'data' ? Buffer.from(text, 'utf8').toString('base64') : text;
  }
  return out;
}

/** Returns the object with env references in a v1 Secret's data/stringData resolved (other objects unchanged). */
export function resolveSecretEnv(
  obj: unknown, env: Readonly<Record<string, string | undefined>>, placeholder?: EnvPlaceholder,
): EnvResolution {
  if (!isRecord(obj) || obj.apiVersion !== 'v1' || obj.kind !== 'Secret') return { object: obj, warnings: [], absent: [] };
  const state: ResolveState = { env, warnings: [], absent: [], placeholder };
  const id = secretId(obj);
  const out: Record<string, unknown> = { ...obj };
  if (isRecord(obj.data)) out.data = resolveMap(obj.data, 'data', id, state);
  if (isRecord(obj.stringData)) out.stringData = resolveMap(obj.stringData, 'stringData', id, state);
  return { object: out, warnings: state.warnings, absent: state.absent };
}
