// Human and machine output of compile statuses, for `switchyard validate DIR`.
import type { ObjectStatus } from '../table/types.ts';
import { flattenControlChars } from './text.ts';

export type StatusFormat = 'table' | 'json';

export interface FormatOptions {
  /** Width of the MESSAGE column before wrapping. Default 80. */
  readonly messageWidth?: number;
  /** Lines shown per message before it is cut with "…". Default 6. */
  readonly maxMessageLines?: number;
}

const HEADER = ['KIND', 'NAMESPACE/NAME', 'ACCEPTED', 'RESOLVEDREFS', 'REASON', 'MESSAGE'] as const;

export function formatStatuses(statuses: readonly ObjectStatus[], format: StatusFormat, opts: FormatOptions = {}): string {
  if (format === 'json') return `${JSON.stringify(statuses, null, 2)}\n`;
  const rows = statuses.map(row);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(HEADER[i]?.length ?? 0, ...rows.map((r) => r.cells[i]?.length ?? 0)));
  const indent = widths.reduce((sum, w) => sum + w + 2, 0);
  const lines = [pad([...HEADER.slice(0, 5)], widths) + HEADER[5]];
  for (const r of rows) {
    const [first = '', ...rest] = wrap(r.message, opts.messageWidth ?? 80, opts.maxMessageLines ?? 6);
    lines.push((pad(r.cells, widths) + first).trimEnd());
    for (const more of rest) lines.push(' '.repeat(indent) + more);
  }
  return `${lines.join('\n')}\n`;
}

/** True when every object has Accepted=True (an empty list counts as accepted). */
export function allAccepted(statuses: readonly ObjectStatus[]): boolean {
  return statuses.every((s) => s.conditions.some((c) => c.type === 'Accepted' && c.status === 'True'));
}

function row(s: ObjectStatus): { cells: string[]; message: string } {
  const state = (type: string): string => s.conditions.find((c) => c.type === type)?.status ?? '-';
  // The condition to show: the first one that is not True, else Accepted.
  const shown = s.conditions.find((c) => c.status !== 'True') ?? s.conditions.find((c) => c.type === 'Accepted') ?? s.conditions[0];
  const name = s.name === '' ? '<unnamed>' : s.name;
  const cells = [s.kind === '' ? '<no kind>' : s.kind, `${s.namespace}/${name}`, state('Accepted'), state('ResolvedRefs'), shown?.reason ?? '-'];
  return { cells: cells.map(clean), message: clean(shown?.message ?? '') };
}

function clean(text: string): string {
  return flattenControlChars(text);
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padEnd((widths[i] ?? 0) + 2)).join('');
}

/** Word-wrap to width; words longer than the width are split; at most maxLines lines. */
export function wrap(text: string, width: number, maxLines: number): string[] {
  const w = Math.max(10, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((x) => x !== '')) {
    let rest = word;
    while (rest.length > 0) {
      const room = line === '' ? w : w - line.length - 1;
      if (rest.length <= room) {
        line = line === '' ? rest : `${line} ${rest}`;
        rest = '';
      } else if (line !== '' && rest.length <= w) {
        lines.push(line);
        line = '';
      } else {
        const take = line === '' ? w : room;
        if (take > 0) line = line === '' ? rest.slice(0, take) : `${line} ${rest.slice(0, take)}`;
        lines.push(line);
        line = '';
        rest = rest.slice(Math.max(take, 0));
      }
    }
  }
  if (line !== '') lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, Math.max(1, maxLines));
  const last = kept.length - 1;
  kept[last] = `${(kept[last] ?? '').slice(0, w - 1)}…`;
  return kept;
}
