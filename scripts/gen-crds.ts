// Writes crds/*.yaml from the zod schemas in pkg/api, and the API reference docs/reference/*.md from those CRDs
// (`npm run gen:crds`); `--check` only reports drift.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateCrdFiles } from '../pkg/api/crdgen.ts';
import { generateReferenceFiles } from '../pkg/api/crd-reference.ts';

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function main(args: readonly string[]): number {
  const root = join(import.meta.dirname, '..');
  const check = args.includes('--check');
  let stale = 0;
  const crds = generateCrdFiles();
  for (const file of [...crds, ...generateReferenceFiles(crds)]) {
    const target = join(root, file.path);
    if (readOrEmpty(target) === file.content) continue;
    stale++;
    if (check) {
      console.error(`${file.path} is out of date: run npm run gen:crds`);
    } else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
      console.log(`wrote ${file.path}`);
    }
  }
  if (stale === 0) console.log('crds/ and docs/reference/ are up to date');
  return check && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
