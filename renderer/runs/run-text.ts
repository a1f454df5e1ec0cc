/** How a run's settings, duration and the sigmoid plateau read in the history, the legend and the status. */

import type { GraphDoc } from '../../shared/graph/types';
import type { TrainConfig } from '../../shared/training';
import type { RunData } from '../store/training-slice';

/** "SGD · lr 0.1 · batch 256 · 10 epochs · 28 px · auto": what tells one run from another. */
export function settingsText(config: TrainConfig, backend?: string | null): string {
  // The optimizer setting arrives with the optimizers work; runs made before it trained with SGD.
  const c = config as TrainConfig & { optimizer?: string };
  const optimizer = (c.optimizer ?? 'sgd').toUpperCase().replace('ADAMW', 'AdamW').replace('ADAM', 'Adam');
  const size = config.resize ? `${config.resize} px` : 'input size';
  const ran = backend && backend !== config.backend ? `${config.backend} → ${backend}` : backend ?? config.backend;
  return [optimizer, `lr ${config.lr}`, `batch ${config.batchSize}`, `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`, size, ran].join(' · ');
}

export function durationText(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** Fashion-MNIST has 10 classes: guessing scores 0.1. Below this a run has learnt nothing yet. */
const CHANCE_BAND = 0.2;
/** d2l's own sigmoid LeNet sits at chance for 2–4 epochs; past this many, it is more than the plateau. */
const PLATEAU_EPOCHS = 4;

/**
 * The sigmoid plateau, explained: a network with Sigmoid activations whose val accuracy stays near
 * chance over its first epochs is doing what the book's LeNet does, not failing. Null otherwise.
 */
export function plateauHint(graph: GraphDoc | null, run: RunData | null): string | null {
  if (!graph || !run || run.epochRows.length === 0) return null;
  if (!graph.nodes.some((n) => n.type === 'Sigmoid')) return null;
  if (run.epochRows.some((r) => r.val_acc >= CHANCE_BAND)) return null;
  const n = run.epochRows.length;
  const lead = `Val accuracy is still near chance (0.1) after ${n} epoch${n === 1 ? '' : 's'}.`;
  if (n <= PLATEAU_EPOCHS) {
    return `${lead} Sigmoid networks start slowly: d2l's own LeNet (7.6) sits here for 2–4 epochs and then climbs. Keep training, or use ReLU or Adam to get going sooner.`;
  }
  return `${lead} That is longer than d2l's LeNet takes: try ReLU instead of Sigmoid, Adam, or a larger learning rate.`;
}
