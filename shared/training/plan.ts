/**
 * The one training plan: an untrusted graph and config in; the checked document, its analysis,
 * the complete config and the image size out, or one error value. The Api, the CLI, the job
 * manager and the training process (which re-checks its run folder: files on disk are untrusted
 * too) all call it, and the renderer can call it to say before Start whether a graph can train,
 * so it stays free of tfjs and Node.
 */

import { parseGraph } from '../graph/parse';
import type { Diagnostic, GraphDoc } from '../graph/types';
import { analyzeGraph, type Analysis } from '../shapes/index';
import { estimateMemory, memoryDiagnostics, type MemoryEstimate, type MemoryLimit } from '../shapes/memory';
import { FASHION_MNIST } from './fashion-mnist';
import { SETTINGS, checkTrainConfig, type SettingKey, type TrainConfig } from './settings';

export interface TrainingPlan {
  doc: GraphDoc;
  analysis: Analysis;
  config: TrainConfig;
  /** The side of the square images fed to the network: the Input's height and width. */
  imageSize: number;
  /** What training needs at the configured batch size (shared/shapes/memory.ts). */
  memory: MemoryEstimate;
}

/**
 * invalid-graph: not a graph document, or a graph with errors (in `diagnostics`);
 * bad-request: a setting is invalid (in `settings`, by setting);
 * not-trainable: a sound graph that cannot train on Fashion-MNIST here (in `diagnostics`).
 */
export type PlanErrorCode = 'invalid-graph' | 'bad-request' | 'not-trainable';

export interface PlanError {
  code: PlanErrorCode;
  message: string;
  diagnostics?: Diagnostic[];
  settings?: Partial<Record<SettingKey, string>>;
}

export type Planned = { ok: true; value: TrainingPlan } | { ok: false; error: PlanError };

export interface PlanOptions {
  /** Where the graph came from ("graph.json", a file name), for the message when it is not a graph. */
  source?: string;
  /**
   * The memory training may use with this config (the machine's, or wasm's 4 GB), known only on
   * the Node side: a graph whose estimate needs more is refused before Start. Absent: only what
   * no machine can do (a tensor past tfjs's index range) is refused.
   */
  memoryLimit?: (config: TrainConfig) => MemoryLimit | null;
}

/** A message lists this many problems, then counts the rest: a broken graph must not flood a toast or a terminal. */
const MAX_LISTED = 10;
const MAX_LINE = 500;

const clip = (s: string): string => (s.length > MAX_LINE ? `${s.slice(0, MAX_LINE - 3)}...` : s);

function listed(intro: string, diagnostics: Diagnostic[]): string {
  const lines = diagnostics.slice(0, MAX_LISTED).map((d) => `  - ${clip(d.message)}`);
  if (diagnostics.length > MAX_LISTED) lines.push(`  - and ${diagnostics.length - MAX_LISTED} more`);
  return `${intro}:\n${lines.join('\n')}`;
}

const isError = (d: Diagnostic): boolean => d.severity === 'error';

function graphFailure(intro: string, diagnostics: Diagnostic[], code: PlanErrorCode = 'invalid-graph'): Planned {
  return { ok: false, error: { code, message: listed(intro, diagnostics), diagnostics } };
}

const problem = (code: string, message: string, nodeId: string | null): Diagnostic =>
  ({ severity: 'error', code, message, ...(nodeId ? { nodeId } : {}) });

/**
 * What stops a graph without errors from training on Fashion-MNIST with `config`, as errors on
 * the nodes concerned: the data is 1×28×28 in 10 classes, resized to squares within the resize
 * setting's bounds, and the Input's size is the one trained at.
 */
export function trainingReadiness(analysis: Analysis, config: Pick<TrainConfig, 'resize'>): Diagnostic[] {
  const found: Diagnostic[] = [];
  const out = analysis.outputId ? analysis.nodes[analysis.outputId]?.shape : null;
  if (!out || out.length !== 2 || out[1] !== FASHION_MNIST.classes) {
    const what = out ? `[${out.join(', ')}]` : 'unknown';
    found.push(problem('not-10-classes', `The network's output is ${what}; Fashion-MNIST needs ${FASHION_MNIST.classes} class scores ([1, ${FASHION_MNIST.classes}]): end with Flatten and a Linear with out_features ${FASHION_MNIST.classes}.`, analysis.outputId));
  }

  const inputId = analysis.inputId;
  const input = inputId ? analysis.nodes[inputId]?.shape : null;
  if (!input || input.length !== 4) {
    found.push(problem('no-input', 'The graph has no usable Input node.', inputId));
  } else {
    const [, c, h, w] = input;
    const { min, max } = SETTINGS.resize;
    if (c !== FASHION_MNIST.channels) {
      found.push(problem('input-channels', `Fashion-MNIST images have ${FASHION_MNIST.channels} channel but the Input has ${c}; set the Input's channels to ${FASHION_MNIST.channels}.`, inputId));
    }
    if (h !== w) {
      found.push(problem('input-not-square', `The Input is ${h}×${w}; Fashion-MNIST is resized to squares, so make height and width equal.`, inputId));
    } else if (config.resize !== null && config.resize !== h) {
      found.push(problem('resize-mismatch', `resize is ${config.resize} but the graph's Input is ${h}×${w}; set the Input to ${config.resize}×${config.resize} or resize to ${h}.`, inputId));
    } else if (h < min || h > max) {
      found.push(problem('image-size', `The Input is ${h}×${w}; Fashion-MNIST can be resized to ${min}×${min} up to ${max}×${max}: set the Input's height and width in that range.`, inputId));
    }
  }

  return found;
}

/**
 * Settings that are each valid but cannot go together, by the setting to change: what
 * torch.optim would refuse (Nesterov without momentum) or has no such parameter for (momentum is
 * SGD's; Adam's is its beta1).
 */
export function optimizerProblems(config: Pick<TrainConfig, 'optimizer' | 'momentum' | 'nesterov'>): Partial<Record<SettingKey, string>> {
  const found: Partial<Record<SettingKey, string>> = {};
  if (config.optimizer === 'sgd') {
    if (config.nesterov && config.momentum === 0) found.nesterov = 'nesterov needs a momentum above 0 (torch.optim.SGD refuses it too): set momentum to 0.9, say, or turn nesterov off';
    return found;
  }
  const name = config.optimizer === 'adam' ? 'Adam' : 'AdamW';
  if (config.momentum !== 0) found.momentum = `momentum is SGD's; ${name} has its own (beta1 = 0.9): set momentum to 0 or choose sgd`;
  if (config.nesterov) found.nesterov = `nesterov is SGD's; ${name} has no Nesterov form here: turn nesterov off or choose sgd`;
  return found;
}

/**
 * Checks in the order a user fixes things: the document, then its errors, then the settings, then
 * what training on Fashion-MNIST needs. Never throws.
 */
export function planTraining(graph: unknown, config: unknown, opts: PlanOptions = {}): Planned {
  const parsed = parseGraph(graph);
  if (!parsed.doc) return graphFailure(`${opts.source ?? 'The graph'} is not a valid convstudio.graph document`, parsed.diagnostics.filter(isError));
  const doc = parsed.doc;

  const analysis = analyzeGraph(doc);
  const errors = analysis.diagnostics.filter(isError);
  if (!analysis.ok || errors.length) return graphFailure('The graph has errors and cannot be trained', errors.length ? errors : analysis.diagnostics);

  const checked = checkTrainConfig(config);
  if (!checked.ok) return { ok: false, error: { code: 'bad-request', message: checked.message, settings: checked.settings } };

  const clash = optimizerProblems(checked.value);
  if (Object.keys(clash).length) return { ok: false, error: { code: 'bad-request', message: `Invalid training settings: ${Object.values(clash).join('; ')}.`, settings: clash } };

  const blockers = trainingReadiness(analysis, checked.value);
  if (blockers.length) return graphFailure('The graph cannot be trained on Fashion-MNIST', blockers, 'not-trainable');

  const settings = checked.value;
  const memory = estimateMemory(analysis, { batch: settings.batchSize });
  const tooBig = memoryDiagnostics(memory, { limit: opts.memoryLimit?.(settings) ?? null, overLimit: 'error' });
  if (tooBig.length) return graphFailure(`The graph cannot be trained at batch size ${settings.batchSize}`, tooBig, 'not-trainable');

  // trainingReadiness has just checked that the Input is [1, 1, s, s].
  const imageSize = analysis.nodes[analysis.inputId!].shape![2];
  return { ok: true, value: { doc, analysis, config: settings, imageSize, memory } };
}
