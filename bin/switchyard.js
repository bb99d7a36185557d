#!/usr/bin/env node
// The `switchyard` command. Runs the built JavaScript when present (published package), else the TypeScript
// sources directly (Node >= 22.18 strips types natively).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cmd/switchyard.js', import.meta.url));
await import(existsSync(built) ? built : '../cmd/switchyard.ts');
