/** Graphs and run folders for the training tests. */

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getTemplate } from '../../../../shared/templates/index';
import type { GraphDoc } from '../../../../shared/graph/types';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig, type TrainingEvent } from '../../../../shared/training';
import { createRun } from '../../../../main/runs/run-folder';
import { chain } from './graph-helpers';

/** LeNet with ReLU instead of sigmoid: learns within one small epoch, so CI can see it learn. */
export function reluLenet(): GraphDoc {
  const doc = getTemplate('lenet')!;
  return { ...doc, name: 'LeNet-ReLU', nodes: doc.nodes.map((n) => (n.type === 'Sigmoid' ? { ...n, type: 'ReLU' } : n)) };
}

/** BatchNorm, Residual (both kinds), −∞-padded max pool, adaptive pool, Dropout, BatchNorm1d. */
export function bnResidualNet(): GraphDoc {
  return {
    ...chain([1, 28, 28],
      ['Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }], ['BatchNorm2d', {}], ['ReLU', {}],
      ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }],
      ['Residual', { num_channels: 8 }], ['Residual', { num_channels: 16, use_1x1conv: true, strides: 2 }],
      ['AdaptiveAvgPool2d', { output_size: 1 }], ['Flatten', {}], ['Dropout', { p: 0.2 }],
      ['Linear', { out_features: 32 }], ['BatchNorm1d', {}], ['ReLU', {}], ['Linear', { out_features: 10 }]),
    name: 'bn-residual',
  };
}

export function tmpRoot(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'cs-runs-'));
}

export function newRun(graph: GraphDoc, config: Partial<TrainConfig>, root = tmpRoot()): { runId: string; runDir: string } {
  return createRun(root, graph, { ...DEFAULT_TRAIN_CONFIG, backend: 'wasm', ...config });
}

export function ofType<K extends TrainingEvent['event']>(events: TrainingEvent[], k: K): Extract<TrainingEvent, { event: K }>[] {
  return events.filter((e): e is Extract<TrainingEvent, { event: K }> => e.event === k);
}
