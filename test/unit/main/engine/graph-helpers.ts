/** Small hand-written graphs for the engine tests (the shape engine validates them as usual). */

import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { GraphDoc, GraphNode, ParamValue } from '../../../../shared/graph/types';

/** A chain Input → nodes... (ids n1, n2, ...). */
export function chain(input: [number, number, number], ...layers: [string, Record<string, ParamValue>][]): GraphDoc {
  const nodes: GraphNode[] = [{ id: 'in', type: 'Input', params: { channels: input[0], height: input[1], width: input[2] } }];
  layers.forEach(([type, params], i) => nodes.push({ id: `n${i + 1}`, type, params }));
  const edges = nodes.slice(1).map((n, i) => ({ source: nodes[i].id, target: n.id }));
  return { format: 'convstudio.graph', version: 2, name: 'test', nodes, edges };
}

/** PyTorch conv weight [out][in][kh][kw] → tfjs kernel [kh, kw, in, out]. */
export function torchConvWeight(w: number[][][][]): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(w), [2, 3, 1, 0]) as tf.Tensor4D);
}

export function setConvWeight(model: LayersModel, layerName: string, w: number[][][][]): void {
  const t = torchConvWeight(w);
  model.getLayer(layerName).setWeights([t]);
  t.dispose();
}

/** Runs the model on one NCHW sample and returns the output as nested NCHW arrays (batch dropped). */
export function predictNCHW(model: LayersModel, x: number[][][]): number[][][] {
  return tf.tidy(() => {
    const nhwc = tf.transpose(tf.tensor4d([x]), [0, 2, 3, 1]);
    const y = model.predict(nhwc) as tf.Tensor;
    return (tf.transpose(y, [0, 3, 1, 2]).arraySync() as number[][][][])[0];
  });
}

/** predictNCHW, read asynchronously: the only way a GPU backend (webgpu) can give results back. */
export async function predictNCHWAsync(model: LayersModel, x: number[][][]): Promise<number[][][]> {
  const y = tf.tidy(() => tf.transpose(model.predict(tf.transpose(tf.tensor4d([x]), [0, 2, 3, 1])) as tf.Tensor, [0, 3, 1, 2]));
  const out = (await y.array()) as number[][][][];
  y.dispose();
  return out[0];
}

export const arange = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);
export const grid = (h: number, w: number, f: (i: number, j: number) => number): number[][] =>
  Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => f(i, j)));
