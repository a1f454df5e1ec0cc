/** Small real runs for the insight tests: trained by `convstudio train` in its own process, on real Fashion-MNIST. */

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { GraphDoc } from '../../../../../shared/graph/types';
import type { Result } from '../../../../../shared/api';
import { compileGraph } from '../../../../../main/engine-core/compile';
import { fsIOHandler } from '../../../../../main/engine/fs-io';
import { cli } from '../../export/helpers';

export interface TrainedRun {
  runDir: string;
  runId: string;
}

/** Trains `graph` with `flags` through the CLI; the run folder from its --json start line. */
export async function trainRun(graph: GraphDoc, flags: string[]): Promise<TrainedRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-insight-'));
  const file = path.join(dir, 'graph.json');
  writeFileSync(file, JSON.stringify(graph));
  const r = await cli(['train', file, '--out', path.join(dir, 'runs'), '--json', ...flags]);
  if (r.code !== 0) throw new Error(`convstudio train failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  const start = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'start');
  return { runDir: start.runDir, runId: start.runId };
}

export const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

/**
 * The reference the insight code is checked against, written without it: the run's graph
 * compiled afresh, the checkpoint's weights copied in by layer name, and model.predict on the
 * cpu backend. Returns softmax probabilities, N × 10.
 */
export async function referenceProbabilities(graph: GraphDoc, checkpointDir: string, x: Float32Array, n: number, side: number): Promise<Float32Array> {
  const before = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    const saved = await loadLayersModel(fsIOHandler(checkpointDir));
    const model = compileGraph(graph, { initialize: false });
    for (const layer of model.layers) if (layer.weights.length) layer.setWeights(saved.getLayer(layer.name).getWeights());
    const probs = tf.tidy(() => tf.softmax(model.predict(tf.tensor4d(x, [n, side, side, 1]), { batchSize: 256 }) as tf.Tensor2D).dataSync() as Float32Array);
    saved.dispose();
    model.dispose();
    return probs;
  } finally {
    await tf.setBackend(before);
  }
}
