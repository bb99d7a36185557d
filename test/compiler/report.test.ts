// formatStatuses / allAccepted: the output of `switchyard validate DIR`.
import { describe, expect, it } from 'vitest';
import { allAccepted, compile, formatStatuses } from '../../pkg/compiler/index.ts';
import { wrap } from '../../pkg/compiler/report.ts';
import type { ObjectStatus } from '../../pkg/table/types.ts';
import { loadCase } from './load.ts';

const ok = (kind: string, name: string, message = 'fine'): ObjectStatus => ({
  kind,
  namespace: 'default',
  name,
  conditions: [
    { type: 'Accepted', status: 'True', reason: 'Accepted', message },
    { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'all resolved' },
  ],
});

describe('formatStatuses table', () => {
  it('prints a header and one aligned row per object', () => {
    const { statuses } = compile(loadCase('secret-missing'));
    const lines = formatStatuses(statuses, 'table', { messageWidth: 500 }).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KIND\s+NAMESPACE\/NAME\s+ACCEPTED\s+RESOLVEDREFS\s+REASON\s+MESSAGE$/);
    expect(lines).toHaveLength(statuses.length + 1);
    const header = lines[0] ?? '';
    for (const column of ['NAMESPACE/NAME', 'ACCEPTED', 'RESOLVEDREFS', 'REASON', 'MESSAGE']) {
      const at = header.indexOf(column);
      for (const line of lines.slice(1)) expect(line[at - 1], `${column} in ${line}`).toBe(' ');
    }
    expect(lines[1]).toMatch(/^ModelRoute\s+default\/only-openai\s+True\s+False\s+SecretNotFound\s+targets\[0\]: Provider default\/openai is accepted but its Secret does not resolve/);
  });

  it('shows the first condition that is not True: ResolvedRefs when only it fails', () => {
    const { statuses } = compile(loadCase('secret-missing'));
    const text = formatStatuses(statuses, 'table', { messageWidth: 500 });
    expect(text).toMatch(/Provider\s+default\/openai\s+True\s+False\s+SecretNotFound\s+Secret default\/openai-credentials not found/);
    expect(text).toMatch(/Provider\s+default\/backup\s+True\s+True\s+Accepted\s+fake provider accepted/);
  });

  it('wraps long messages under the MESSAGE column', () => {
    const long = 'word '.repeat(30).trim();
    const text = formatStatuses([ok('Provider', 'p', long)], 'table', { messageWidth: 40 });
    const lines = text.trimEnd().split('\n');
    const column = (lines[0] ?? '').indexOf('MESSAGE');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines.slice(2)) {
      expect(line.slice(0, column).trim()).toBe('');
      expect(line.length - column).toBeLessThanOrEqual(40);
    }
    expect(lines.slice(1).map((l) => l.slice(column)).join(' ')).toBe(long);
  });

  it('keeps every word of a wrapped message in order', () => {
    const message = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
    expect(wrap(message, 12, 100).join(' ')).toBe(message);
    for (const line of wrap(message, 12, 100)) expect(line.length).toBeLessThanOrEqual(12);
  });

  it('splits a word longer than the column and cuts very long messages with an ellipsis', () => {
    const lines = wrap(`${'x'.repeat(25)} tail`, 10, 100);
    expect(lines).toEqual(['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx tail']);
    const cut = wrap('word '.repeat(200), 20, 3);
    expect(cut).toHaveLength(3);
    expect(cut[2]?.endsWith('…')).toBe(true);
  });

  it('replaces control characters so a row stays on its line', () => {
    const text = formatStatuses([ok('Provider', 'p', 'line one\nline two\r\tend')], 'table');
    expect(text.trimEnd().split('\n')).toHaveLength(2);
    expect(text).toContain('line one line two end');
  });

  it('marks missing conditions, unnamed objects and missing kinds', () => {
    const secret: ObjectStatus = { kind: 'Secret', namespace: 'ns', name: 'k', conditions: [{ type: 'Accepted', status: 'False', reason: 'Invalid', message: 'bad' }] };
    const unnamed: ObjectStatus = { ...ok('', ''), namespace: 'default' };
    const text = formatStatuses([secret, unnamed], 'table');
    expect(text).toMatch(/Secret\s+ns\/k\s+False\s+-\s+Invalid\s+bad/);
    expect(text).toMatch(/<no kind>\s+default\/<unnamed>\s+True\s+True/);
  });

  it('prints only the header for no objects', () => {
    expect(formatStatuses([], 'table').trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('formatStatuses json', () => {
  it('round-trips the statuses', () => {
    const { statuses } = compile(loadCase('api-keys'));
    const text = formatStatuses(statuses, 'json');
    expect(JSON.parse(text)).toEqual(statuses);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('allAccepted', () => {
  it('is true when every object is accepted, even with unresolved references', () => {
    const { statuses } = compile(loadCase('fallback'));
    expect(statuses.some((s) => s.conditions.some((c) => c.type === 'ResolvedRefs' && c.status === 'False'))).toBe(true);
    expect(allAccepted(statuses)).toBe(true);
  });

  it('is false when any object is not accepted', () => {
    expect(allAccepted(compile(loadCase('quickstart-fake')).statuses)).toBe(true);
    expect(allAccepted(compile(loadCase('all-weights-zero')).statuses)).toBe(false);
    expect(allAccepted([ok('Provider', 'a'), { ...ok('Quota', 'q'), conditions: [] }])).toBe(false);
  });

  it('is true for an empty list', () => {
    expect(allAccepted([])).toBe(true);
  });
});
