// The CLI as the tests drive it: the binary itself (exit status and output of a real process) and `main` in process
// (the same dispatch, fast, with captured output).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cmd/main.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'cmd', 'switchyard.ts');

export interface CliRun { code: number; stdout: string; stderr: string }

/** The binary in a child process with only PATH and `env` in its environment. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** In process (fast): the same dispatch the binary runs, with captured output. */
export async function callCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env }, '9.9.9');
  if (code === 'running') throw new Error('unexpected serve');
  return { code, stdout, stderr };
}
