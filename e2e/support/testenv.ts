// Where the kube-apiserver/etcd/helm test binaries are: $SWITCHYARD_TESTENV_BIN, else
// what `bash scripts/k8s-testenv.sh path` prints. Missing binaries are an error (a
// failing test), never a skip: CI builds them first.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD_HINT = 'run `bash scripts/k8s-testenv.sh build` (cold: ~20-40 min; cached by version afterwards)';

export function testenvBinDir(): string {
  const fromEnv = process.env.SWITCHYARD_TESTENV_BIN;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('bash', [join(REPO_ROOT, 'scripts', 'k8s-testenv.sh'), 'path'], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(`cannot locate the k8s test binaries (scripts/k8s-testenv.sh path failed: ${String(err)}); ${BUILD_HINT}`, { cause: err });
  }
}

/** The bin dir, after checking that every named binary is there and executable. */
export function requireTestenvBinaries(names: readonly string[] = ['etcd', 'kube-apiserver']): string {
  const dir = testenvBinDir();
  const missing = names.filter((n) => {
    try {
      accessSync(join(dir, n), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(`k8s test binaries missing in ${dir}: ${missing.join(', ')}; ${BUILD_HINT}`);
  }
  return dir;
}
