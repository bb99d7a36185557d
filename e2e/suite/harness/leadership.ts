// Leadership and publications as the operators' own logs tell them (C9): when each incarnation of each operator
// became leader and stopped (lost, released, or died), and every table it published. Then the checks: leadership
// intervals of different operators never overlap, every publication happens inside its operator's interval, and
// published versions only go up across the whole run.
import { readFileSync } from 'node:fs';
import type { ManagedProcess } from './process.ts';

export interface LeaderInterval {
  readonly operator: string;
  readonly from: number;
  /** Epoch ms it stopped leading (its exit when it died leading); Infinity while it still leads. */
  readonly to: number;
  readonly how: string;
}

export interface Publication {
  readonly operator: string;
  readonly at: number;
  readonly version: number;
  readonly hash: string;
}

export interface Timeline {
  readonly intervals: readonly LeaderInterval[];
  readonly publications: readonly Publication[];
}

interface LogLine {
  readonly time?: string;
  readonly msg?: string;
  readonly component?: string;
  readonly version?: number;
  readonly hash?: string;
}

const INTERESTING = /became leader|lost leadership|released leadership|routing table published/;

function parse(line: string): LogLine | null {
  if (!INTERESTING.test(line)) return null;
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return null;
  }
}

/** Reads one operator's log (all its incarnations). */
export function operatorTimeline(proc: ManagedProcess): Timeline {
  const intervals: LeaderInterval[] = [];
  const publications: Publication[] = [];
  let run = -1;
  let open: number | null = null;
  const close = (to: number, how: string): void => {
    if (open !== null) intervals.push({ operator: proc.name, from: open, to, how });
    open = null;
  };
  for (const line of readFileSync(proc.logFile, 'utf8').split('\n')) {
    if (line.startsWith('===== ')) {
      if (run >= 0) close(proc.history[run]?.exitedAt ?? Infinity, 'exited');
      run++;
      continue;
    }
    const l = parse(line);
    if (l === null || l.time === undefined) continue;
    const at = Date.parse(l.time);
    if (l.msg === 'became leader') open = at;
    else if (l.msg === 'lost leadership' || l.msg === 'released leadership') close(at, l.msg);
    else if (l.msg === 'routing table published' && l.component === 'sync' && typeof l.version === 'number') {
      publications.push({ operator: proc.name, at, version: l.version, hash: String(l.hash ?? '') });
    }
  }
  if (run >= 0) close(proc.history[run]?.exitedAt ?? Infinity, proc.running ? 'still leading' : 'exited');
  return { intervals, publications };
}

/** Every problem with the combined timeline of `operators` ([] when leadership was clean). */
export function leadershipProblems(operators: readonly ManagedProcess[]): { problems: string[]; timeline: Timeline } {
  const all = operators.map(operatorTimeline);
  const intervals = all.flatMap((t) => t.intervals).sort((a, b) => a.from - b.from);
  const publications = all.flatMap((t) => t.publications).sort((a, b) => a.at - b.at);
  const problems: string[] = [];
  const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'now');
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i] as LeaderInterval;
      const b = intervals[j] as LeaderInterval;
      if (a.operator !== b.operator && b.from < a.to) {
        problems.push(`two leaders: ${a.operator} [${iso(a.from)}, ${iso(a.to)}) and ${b.operator} from ${iso(b.from)}`);
      }
    }
  }
  for (const p of publications) {
    const inside = intervals.some((l) => l.operator === p.operator && l.from <= p.at && p.at <= l.to);
    if (!inside) problems.push(`${p.operator} published v${p.version} at ${iso(p.at)} while not leading`);
  }
  for (let i = 1; i < publications.length; i++) {
    const prev = publications[i - 1] as Publication;
    const cur = publications[i] as Publication;
    if (cur.version <= prev.version) {
      problems.push(`version went from v${prev.version} (${prev.operator}) to v${cur.version} (${cur.operator}) at ${iso(cur.at)}`);
    }
  }
  return { problems, timeline: { intervals, publications } };
}
