// `${env:NAME}` references in Secret values (standalone mode only). A value that is exactly `${env:NAME}` becomes
// the value of environment variable NAME — in stringData as is, in data base64-encoded for the caller (so the
// variable holds the plain value in both cases). An unset or empty variable removes the key and yields a warning,
// so the compiler reports SecretKeyNotFound. Warnings name the Secret, the key and the variable, never a value.

export const ENV_REF = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;
const PARTIAL_REF = /\$\{env:/;

export interface EnvResolution {
  readonly object: unknown;
  readonly warnings: string[];
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

function resolveMap(
  map: Record<string, unknown>, field: 'data' | 'stringData', id: string,
  env: Readonly<Record<string, string | undefined>>, warnings: string[],
): Record<string, unknown> {
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
    if (resolved === undefined || resolved === '') {
      warnings.push(`Secret ${id} ${field}.${key}: environment variable ${name} is not set; the key is left out`);
      continue;
    }
    out[key] = field === 'data' ? Buffer.from(resolved, 'utf8').toString('base64') : resolved;
  }
  return out;
}

/** Returns the object with env references in a v1 Secret's data/stringData resolved (other objects unchanged). */
export function resolveSecretEnv(obj: unknown, env: Readonly<Record<string, string | undefined>>): EnvResolution {
  if (!isRecord(obj) || obj.apiVersion !== 'v1' || obj.kind !== 'Secret') return { object: obj, warnings: [] };
  const warnings: string[] = [];
  const id = secretId(obj);
  const out: Record<string, unknown> = { ...obj };
  if (isRecord(obj.data)) out.data = resolveMap(obj.data, 'data', id, env, warnings);
  if (isRecord(obj.stringData)) out.stringData = resolveMap(obj.stringData, 'stringData', id, env, warnings);
  return { object: out, warnings };
}
