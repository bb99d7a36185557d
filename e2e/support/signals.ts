// Signals for child processes started in their own process group (spawn with detached: true).
import type { ChildProcess } from 'node:child_process';

/** Signals the child's whole process group (it and anything it started), or the child alone as a fallback. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
