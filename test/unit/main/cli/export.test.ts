/**
 * `convstudio export --to pytorch|onnx` as a real process: bad input (an invalid graph, an
 * unknown epoch, a folder that is not empty, bad flags) is one clear message without a stack
 * trace, exit 2, and nothing written; --force replaces only the export's own files.
 */

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GraphDoc } from '../../../../shared/graph/types';
import { getTemplate } from '../../../../shared/templates/index';
import { newRun } from '../engine/train-helpers';
import { cli, tmpDir } from '../export/helpers';

const tmp = tmpDir('cs-cli-export-');
const lenet = getTemplate('lenet') as GraphDoc;
const file = (name: string, content: unknown) => {
  const p = path.join(tmp, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const broken = file('broken.convstudio.json', { ...lenet, edges: lenet.edges.slice(1) });
const notAGraph = file('notes.json', { hello: 'world' });
const { runDir } = newRun(lenet, { epochs: 1, limit: 256 });
const full = path.join(tmp, 'full');
mkdirSync(full);
writeFileSync(path.join(full, 'thesis.tex'), 'precious');
const plainDir = path.join(tmp, 'plain');
mkdirSync(plainDir);
const out = (name: string) => path.join(tmp, 'out', name);

/** [what, argv, what stderr must say]. */
const BAD: [string, string[], RegExp][] = [
  ['an invalid graph', ['export', broken, '--to', 'pytorch', '--out', out('a')], /Cannot export broken\.convstudio\.json: it has \d+ errors\. .*Fix them and export again\./],
  ['a file that is not a graph', ['export', notAGraph, '--to', 'onnx', '--out', out('b')], /notes\.json/],
  ['an epoch the run does not have', ['export', runDir, '--to', 'pytorch', '--epoch', '3', '--out', out('c')], /has no checkpoint for epoch 3\. It can export only epoch 0, the initial weights/],
  ['a run without a checkpoint, newest asked for', ['export', runDir, '--to', 'onnx', '--out', out('d')], /has no checkpoint yet.*Pass --epoch 0 for the initial weights/],
  ['an epoch that is not a number', ['export', runDir, '--to', 'onnx', '--epoch', 'last', '--out', out('e')], /--epoch must be a whole number, 0 or more \(got "last"\)/],
  ['an epoch for a template', ['export', 'lenet', '--to', 'onnx', '--epoch', '1', '--out', out('f')], /--epoch picks a run's weights, and lenet is not a run folder/],
  ['a folder that is not a run', ['export', plainDir, '--to', 'onnx', '--out', out('g')], /is a folder but not a run folder/],
  ['a non-empty folder without --force', ['export', 'lenet', '--to', 'pytorch', '--out', full], /full is not empty \(it holds thesis\.tex\)\. .*pass --force/],
  ['an unknown format', ['export', 'lenet', '--to', 'keras', '--out', out('h')], /--to must be pytorch, onnx, graph \(got "keras"\)/],
  ['a folder format without --out', ['export', 'lenet', '--to', 'pytorch'], /--to pytorch writes a folder; name it with --out DIR/],
];

describe('convstudio export refuses bad input: one message, exit 2, nothing written', () => {
  it.each(BAD)('%s', async (_what, argv, says) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(says);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(readdirSync(tmp)).not.toContain('out');
    expect(readFileSync(path.join(full, 'thesis.tex'), 'utf8')).toBe('precious');
  }, 120_000);
});

describe('convstudio export --force', () => {
  it('writes into a folder that is not empty, replacing only its own files', async () => {
    const r = await cli(['export', 'lenet', '--to', 'pytorch', '--out', full, '--force']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Wrote LeNet for PyTorch to ${full}: model.py, train.py, README.md.`);
    expect(readdirSync(full).sort()).toEqual(['README.md', 'model.py', 'thesis.tex', 'train.py']);
    expect(readFileSync(path.join(full, 'thesis.tex'), 'utf8')).toBe('precious');
  }, 120_000);
});
