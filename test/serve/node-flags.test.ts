// bin/node-flags.js: which data-plane node flags bin/switchyard.js adds by re-executing node (ADR 0025).
import { describe, expect, it } from 'vitest';
import { DATA_PLANE_NODE_FLAGS, missingNodeFlags } from '../../bench/node-flags.ts';

describe('data-plane node flags', () => {
  it('serve and proxy get the defaults; other commands get none', () => {
    expect(DATA_PLANE_NODE_FLAGS).toEqual(['--max-semi-space-size=8', '--expose-gc']);
    expect(missingNodeFlags('serve', [], {})).toEqual(['--max-semi-space-size=8', '--expose-gc']);
    expect(missingNodeFlags('proxy', [], {})).toEqual(['--max-semi-space-size=8', '--expose-gc']);
    for (const cmd of ['operator', 'validate', 'explain', 'version', undefined]) expect(missingNodeFlags(cmd, [], {})).toEqual([]);
  });

  it('a flag already given on the command line or in NODE_OPTIONS, with any value, is left alone', () => {
    expect(missingNodeFlags('serve', ['--max-semi-space-size=32'], {})).toEqual(['--expose-gc']);
    expect(missingNodeFlags('serve', [], { NODE_OPTIONS: '--expose_gc --max-semi-space-size=16' })).toEqual([]);
    expect(missingNodeFlags('serve', ['--max-semi-space-size=8', '--expose-gc'], {})).toEqual([]);
  });

  it('SWITCHYARD_NODE_FLAGS replaces the list; empty means none', () => {
    expect(missingNodeFlags('serve', [], { SWITCHYARD_NODE_FLAGS: '' })).toEqual([]);
    expect(missingNodeFlags('proxy', [], { SWITCHYARD_NODE_FLAGS: ' --max-semi-space-size=4  ' })).toEqual(['--max-semi-space-size=4']);
  });
});
