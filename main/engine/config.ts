/**
 * Checks a TrainConfig from outside (CLI flags, a renderer request) and reconciles it with the
 * graph's Input: Fashion-MNIST is 1×28×28, so the Input must have one channel and a square size
 * that is either 28 or the resize target.
 */

import { DEFAULT_TRAIN_CONFIG, type BackendChoice, type TrainConfig } from '../../shared/training';
import type { Analysis } from '../../shared/shapes/index';
import type { GraphDoc } from '../../shared/graph/types';
import { resolveParams, type Conv2dParams } from '../../shared/graph/resolve';

const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'];

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'bad-request';
}

const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Fills defaults and rejects nonsense with a message naming the field and what is allowed. */
export function normalizeConfig(input: Partial<TrainConfig> | undefined | null): TrainConfig {
  const c = { ...DEFAULT_TRAIN_CONFIG, ...(input ?? {}) } as TrainConfig;
  const problems: string[] = [];
  if (!posInt(c.epochs) || c.epochs > 10_000) problems.push(`epochs must be a whole number from 1 to 10000 (got ${String(c.epochs)})`);
  if (!posInt(c.batchSize) || c.batchSize > 60_000) problems.push(`batchSize must be a whole number from 1 to 60000 (got ${String(c.batchSize)})`);
  if (typeof c.lr !== 'number' || !Number.isFinite(c.lr) || c.lr <= 0) problems.push(`lr must be a number above 0 (got ${String(c.lr)})`);
  if (c.resize !== null && (!posInt(c.resize) || c.resize > 512)) problems.push(`resize must be a whole number from 1 to 512, or null (got ${String(c.resize)})`);
  if (!BACKENDS.includes(c.backend)) problems.push(`backend must be one of ${BACKENDS.join(', ')} (got ${String(c.backend)})`);
  if (c.limit !== null && !posInt(c.limit)) problems.push(`limit must be a whole number ≥ 1, or null (got ${String(c.limit)})`);
  if (c.valLimit !== null && !posInt(c.valLimit)) problems.push(`valLimit must be a whole number ≥ 1, or null (got ${String(c.valLimit)})`);
  if (typeof c.seed !== 'number' || !Number.isInteger(c.seed) || c.seed < 0 || c.seed > 2 ** 31) problems.push(`seed must be a whole number from 0 to 2^31 (got ${String(c.seed)})`);
  if (c.dataDir !== null && (typeof c.dataDir !== 'string' || !c.dataDir)) problems.push('dataDir must be a folder path or null');
  if (problems.length) throw new ConfigError(`Invalid training settings: ${problems.join('; ')}.`);
  return {
    epochs: c.epochs, batchSize: c.batchSize, lr: c.lr, resize: c.resize, backend: c.backend,
    limit: c.limit, valLimit: c.valLimit, seed: c.seed, dataDir: c.dataDir,
  };
}

/**
 * The image size to feed: the Input's, which must be square with one channel; a resize that
 * disagrees with the Input is an error rather than a silent choice. Returns null for 28 (no resize).
 */
export function imageSizeFor(analysis: Analysis, config: TrainConfig): number | null {
  const input = analysis.inputId ? analysis.nodes[analysis.inputId]?.shape : null;
  if (!input || input.length !== 4) throw new ConfigError('The graph has no usable Input node.');
  const [, c, h, w] = input;
  if (c !== 1) throw new ConfigError(`Fashion-MNIST images have 1 channel but the Input has ${c}; set the Input's channels to 1.`);
  if (h !== w) throw new ConfigError(`The Input is ${h}×${w}; Fashion-MNIST is resized to squares, so make height and width equal.`);
  if (config.resize !== null && config.resize !== h) {
    throw new ConfigError(`resize is ${config.resize} but the graph's Input is ${h}×${w}; set the Input to ${config.resize}×${config.resize} or resize to ${h}.`);
  }
  return h === 28 ? null : h;
}

/** The output must be 10 logits (one per Fashion-MNIST class). */
export function checkClassifierOutput(analysis: Analysis): void {
  const out = analysis.outputId ? analysis.nodes[analysis.outputId]?.shape : null;
  if (!out || out.length !== 2 || out[1] !== 10) {
    const what = out ? `[${out.join(', ')}]` : 'unknown';
    throw new ConfigError(`The network's output is ${what}; Fashion-MNIST needs 10 class scores ([1, 10]): end with Flatten and a Linear with out_features 10.`);
  }
}

/**
 * tfjs 4.22 has no gradient for dilated convolutions ("dilation rates greater than 1 are not yet
 * supported in gradients"), so such a graph can be drawn and summarised but not trained here.
 */
export function checkTrainable(doc: GraphDoc): void {
  const dilated = doc.nodes.filter((n) => n.type === 'Conv2d' && (() => {
    try {
      const p = resolveParams(n) as Conv2dParams;
      return p.dilation[0] !== 1 || p.dilation[1] !== 1;
    } catch {
      return false;
    }
  })());
  if (dilated.length) {
    throw new ConfigError(`TensorFlow.js cannot train dilated convolutions (no gradient for dilation > 1): set dilation to 1 on ${dilated.map((n) => `Conv2d ${n.id}`).join(', ')}.`);
  }
}
