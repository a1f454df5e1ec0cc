/**
 * The lab's computations as graphs in the file format: the input X and one layer. The shape
 * engine checks exactly these documents (shared/lab/check.ts) and the engine service compiles
 * exactly these (main/engine/service/lab/), so what the lab computes is what a canvas graph with
 * the same Conv2d or pooling node would compute in training.
 */

import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphNode, type ParamValue } from '../graph/types';
import type { Grid } from './types';

/** The node ids of the lab's graphs; the canvas's messages name them ("Conv2d K: ..."). */
export const LAB_INPUT_ID = 'X';
export const LAB_CONV_ID = 'K';
export const LAB_POOL_ID = 'pool';

export function labGraph(input: [number, number, number], layer: GraphNode): GraphDoc {
  return {
    format: GRAPH_FORMAT, version: GRAPH_VERSION, name: 'Kernel lab',
    nodes: [{ id: LAB_INPUT_ID, type: 'Input', params: { channels: input[0], height: input[1], width: input[2] } }, layer],
    edges: [{ source: LAB_INPUT_ID, target: layer.id }],
  };
}

export interface ConvSettings {
  stride: ParamValue;
  padding: ParamValue;
  dilation: ParamValue;
}

/**
 * X (C×H×W) → Conv2d K without bias whose weight is k ([C_out][C][kh][kw]) as fixed initial
 * weights: d2l's corr2d / corr2d_multi_in_out. k's sizes are taken as they are; the check says
 * whether they make sense.
 */
export function correlateGraph(input: [number, number, number], k: Grid[][], s: ConvSettings): GraphDoc {
  const kernel: [number, number] = [k[0][0].length, k[0][0][0].length];
  return labGraph(input, {
    id: LAB_CONV_ID, type: 'Conv2d',
    params: { out_channels: k.length, kernel_size: kernel, stride: s.stride, padding: s.padding, dilation: s.dilation, bias: false },
    init: { weight: k.flat(3) },
  });
}

export function poolGraph(input: [number, number, number], mode: 'max' | 'avg', p: { kernel: ParamValue; stride: ParamValue; padding: ParamValue }): GraphDoc {
  return labGraph(input, { id: LAB_POOL_ID, type: mode === 'max' ? 'MaxPool2d' : 'AvgPool2d', params: { kernel_size: p.kernel, stride: p.stride, padding: p.padding } });
}
