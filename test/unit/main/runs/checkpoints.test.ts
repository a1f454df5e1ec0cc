/**
 * Checkpoints are verified whole before they are used (issue 17, finding 7): each way a file of
 * the newest checkpoint can be corrupt — edited, truncated, missing — is reported and the older
 * checkpoint is used, never the damaged one. Before the manifest, an edited model.json (sigmoid →
 * relu) or state.json (epochsDone 2 → 6) was accepted silently.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getTemplate } from '../../../../shared/templates/index';
import { DEFAULT_TRAIN_CONFIG } from '../../../../shared/training';
import { initBackend } from '../../../../main/engine/backends/index';
import { compileGraph } from '../../../../main/engine-core/compile';
import { listCheckpoints, loadLatestCheckpoint, saveCheckpoint, type TrainState } from '../../../../main/runs/checkpoints';
import { createRun } from '../../../../main/runs/run-folder';
import { tmpRoot } from '../engine/train-helpers';

beforeAll(async () => { await initBackend('cpu'); });

const state = (epochsDone: number): TrainState =>
  ({ epochsDone, batchesDone: 0, partialLossSum: 0, partialLossCount: 0, last: { train_loss: 1, val_loss: 1, val_acc: 0.5 }, seconds: epochsDone, referenceLoss: 2.3 });

/** A LeNet run with checkpoints after epochs 1 and 2; the second's weights differ from the first's. */
async function runWithTwoCheckpoints(): Promise<{ runDir: string; newest: string; firstWeights: Float32Array }> {
  const doc = getTemplate('lenet')!;
  const { runDir } = createRun(tmpRoot(), doc, { ...DEFAULT_TRAIN_CONFIG });
  const model = compileGraph(doc, { seed: 1 });
  await saveCheckpoint(runDir, model, state(1));
  const firstWeights = model.getWeights()[0].dataSync().slice() as Float32Array;
  model.setWeights(model.getWeights().map((w) => tf.add(w, 0.5)));
  const newest = await saveCheckpoint(runDir, model, state(2));
  model.dispose();
  return { runDir, newest, firstWeights };
}

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
};

type Damage = (dir: string, runDir: string) => void;
const VARIANTS: [string, Damage, RegExp][] = [
  ['weights.bin with one byte flipped', (d) => { const w = path.join(d, 'weights.bin'); const b = readFileSync(w); b[100] ^= 0xff; writeFileSync(w, b); },
    /weights\.bin does not match its SHA-256/],
  ['model.json edited (sigmoid → relu)', (d) => edit(path.join(d, 'model.json'), '"activation":"sigmoid"', '"activation":"relu"'),
    /model\.json holds \d+ bytes where the manifest says \d+/],
  ['model.json edited to the same length (sigmoid → softmax)', (d) => edit(path.join(d, 'model.json'), '"activation":"sigmoid"', '"activation":"softmax"'),
    /model\.json does not match its SHA-256 in manifest\.json \(edited or corrupt\)/],
  ['state.json edited (epochsDone 2 → 6)', (d) => edit(path.join(d, 'state.json'), '"epochsDone": 2', '"epochsDone": 6'),
    /state\.json does not match its SHA-256 in manifest\.json/],
  ['weights.bin truncated', (d) => truncateSync(path.join(d, 'weights.bin'), 1000),
    /weights\.bin holds 1000 bytes where the manifest says \d+ \(truncated or overwritten\)/],
  ['model.json truncated', (d) => truncateSync(path.join(d, 'model.json'), 10), /model\.json holds 10 bytes/],
  ['weights.bin missing', (d) => rmSync(path.join(d, 'weights.bin')), /weights\.bin is missing/],
  ['model.json missing', (d) => rmSync(path.join(d, 'model.json')), /model\.json is missing/],
  ['state.json missing', (d) => rmSync(path.join(d, 'state.json')), /state\.json is missing/],
  ['manifest.json missing', (d) => rmSync(path.join(d, 'manifest.json')), /manifest\.json is missing/],
  ['manifest.json not JSON', (d) => writeFileSync(path.join(d, 'manifest.json'), '{"format":'), /manifest\.json is not valid JSON/],
  ['the folder renamed to another position', (d) => renameSync(d, path.join(path.dirname(d), 'e0005-b00000')), /state\.json says e0002-b00000, not e0005-b00000/],
];

describe('a damaged newest checkpoint is reported, set aside, and the older one used', () => {
  it.each(VARIANTS)('%s', async (_what, damage, reason) => {
    const { runDir, newest, firstWeights } = await runWithTwoCheckpoints();
    damage(newest, runDir);
    const { loaded, rejected } = await loadLatestCheckpoint(runDir);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toMatch(reason);
    expect(path.basename(loaded!.path)).toBe('e0001-b00000');
    expect(loaded!.state.epochsDone).toBe(1);
    expect(Array.from(loaded!.model.getWeights()[0].dataSync())).toEqual(Array.from(firstWeights));
    loaded!.model.dispose();
    // Kept for inspection, never loaded again.
    expect(readdirSync(path.join(runDir, 'checkpoints')).filter((n) => n.includes('.corrupt-'))).toHaveLength(1);
    expect(listCheckpoints(runDir).map((p) => path.basename(p))).toEqual(['e0001-b00000']);
  });

  it('a save cut short by a kill (its temporary folder left half-written) is never loaded, and the next save clears it', async () => {
    const { runDir, newest } = await runWithTwoCheckpoints();
    // What a process killed inside saveCheckpoint leaves: the temporary folder, without state or manifest.
    const torn = path.join(runDir, 'checkpoints', '.tmp-e0003-b00000-4242');
    mkdirSync(torn);
    writeFileSync(path.join(torn, 'model.json'), readFileSync(path.join(newest, 'model.json')));
    const { loaded, rejected } = await loadLatestCheckpoint(runDir);
    expect(rejected).toEqual([]);
    expect(path.basename(loaded!.path)).toBe('e0002-b00000');
    const model = loaded!.model;
    await saveCheckpoint(runDir, model, state(3));
    model.dispose();
    expect(readdirSync(path.join(runDir, 'checkpoints')).sort()).toEqual(['e0002-b00000', 'e0003-b00000']);
  });

  it('an intact pair loads the newest, with its state', async () => {
    const { runDir } = await runWithTwoCheckpoints();
    const { loaded, rejected } = await loadLatestCheckpoint(runDir);
    expect(rejected).toEqual([]);
    expect(loaded!.state).toEqual(state(2));
    loaded!.model.dispose();
  });

  it('a graph.json changed since the checkpoints were saved: neither is used (their weights belong to another network)', async () => {
    const { runDir } = await runWithTwoCheckpoints();
    edit(path.join(runDir, 'graph.json'), '"Sigmoid"', '"ReLU"');
    const { loaded, rejected } = await loadLatestCheckpoint(runDir);
    expect(loaded).toBeNull();
    expect(rejected.map((r) => [path.basename(r.path), r.reason])).toEqual([
      ['e0002-b00000', 'the run\'s graph.json has changed since this checkpoint was saved, so its weights belong to another network'],
      ['e0001-b00000', 'the run\'s graph.json has changed since this checkpoint was saved, so its weights belong to another network'],
    ]);
    expect(existsSync(path.join(runDir, 'checkpoints', 'e0001-b00000'))).toBe(false);
  });
});
