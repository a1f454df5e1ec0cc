/**
 * The training loop, with d2l Trainer semantics: minibatch steps of the run's optimizer (SGD,
 * Adam or AdamW as torch.optim, at its schedule's rate for the epoch: optimizers.ts) on softmax
 * cross-entropy of the logits, one pass over the (shuffled) training set per epoch, then the
 * test set for val_loss and val_acc. It reads everything from its run and writes everything back to it (through a
 * RunStore: the trainer touches no file itself), so a fresh run and a resumed one are the same
 * code path.
 *
 * The run stays true under faults: the trainer holds the run's lock while it works (a second
 * trainer on the same run is refused), repairs a torn metrics line left by a crash, records a
 * 'resume' event marking the break before it continues, stops a run whose loss diverges within
 * one batch, and turns every file-system failure into one clear error that says whether a
 * checkpoint is there to resume from.
 *
 * Host-neutral (no Node): the training process runs it on the run folder
 * (main/engine/node-trainer.ts), a page's Web Worker on the Api (renderer/training/worker-main.ts).
 * What differs between them is a TrainerHost and a RunStore; the loop, events and messages are
 * this file's on both.
 */

import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { BackendChoice, TrainingEvent } from '../../shared/training';
import { planTraining, type TrainingPlan } from '../../shared/training/plan';
import { checkTrainConfig } from '../../shared/training/settings';
import { optimizerSpec, scheduledLr, type OptimizerSpec, type OptimizerState } from '../../shared/training/optimizer';
import { FASHION_MNIST } from '../../shared/training/fashion-mnist';
import { isOutOfMemory, outOfMemoryMessage } from './out-of-memory';
import { compileGraph } from './compile';
import { divergenceWatch } from './divergence';
import { GraphError } from './errors';
import { makeBatch, subset, DataError, type Batch, type FashionSource, type Split } from './batches';
import { epochOrder } from './shuffle';
import { breakMessage, previousAttempt, supersededCount } from './attempts';
import { createWeightOptimizer, type WeightOptimizer } from './optimizers';
import { RunFolderError } from './run-folder-error';
import { GRAPH_JSON, baseName, type RunConfigFile, type RunLock, type RunStore, type TrainState } from './run-store';

export type Outcome = 'done' | 'stopped' | 'failed';

export interface TrainerHooks {
  /** Receives every event after it is written to metrics.jsonl. */
  emit(e: TrainingEvent): void;
  /** Polled after every batch; true finishes the batch, checkpoints and stops. */
  shouldStop(): boolean;
  /** Called after each epoch's checkpoint (the tests watch tf.memory() here). */
  afterEpoch?(epoch: number): void;
}

export interface TrainOptions {
  resume?: boolean;
  /** A new total of epochs (a resume that trains on), written to config.json once the run's lock is held. */
  epochs?: number;
}

/** The backend a run trains on, as the start event and final.json name it. */
export interface ActiveBackend {
  name: string;
  device: string;
  note?: string;
}

/** A whole training step run outside tfjs (the native addon's), where the host has one. */
export interface CompiledStep {
  /** The device line for the start event and final.json. */
  readonly device: string;
  /** One training step: the batch's mean cross-entropy before the update, and how many of its predictions were right. */
  step(batch: Batch, lr: number): { loss: number; correct: number };
  /** Mean cross-entropy and accuracy over the batches, in evaluation mode. */
  evaluate(batches: Iterable<Batch>): { loss: number; acc: number };
  /** Writes the current weights (and running statistics) into the tfjs model. */
  syncModel(): void;
  /** The optimizer's momentum or moments and step counts, for the checkpoint. */
  exportOptimizerState(): OptimizerState;
  /** Continues from a checkpoint's optimizer state; throws, naming what does not fit. */
  importOptimizerState(state: OptimizerState): void;
  dispose(): void;
}

/**
 * What differs between the places a trainer runs (the training process, a page's Web Worker):
 * the store is passed beside it; this is the rest.
 */
export interface TrainerHost {
  /** Starts the run's backend; throws, naming why, when it cannot. */
  initBackend(choice: BackendChoice, opts?: { threads?: number | null }): Promise<ActiveBackend>;
  /** Fashion-MNIST from the run's data folder (null: the default places). */
  data(dataDir: string | null): FashionSource;
  /** The compiled whole step for this plan and model, if the host has one (and why not, if it matters). */
  compiledStep?(backend: string, plan: TrainingPlan, model: LayersModel, opts: { seed: number; optimizer: OptimizerSpec; threads?: number | null }): { trainer: CompiledStep | null; note?: string };
  /** Yields to the host's event loop so a stop request can arrive between batches. */
  tick(): Promise<void>;
}

const NUM_CLASSES = FASHION_MNIST.classes;

function crossEntropy(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, NUM_CLASSES), logits) as tf.Scalar;
}

function* batchesOf(split: Split, indices: Uint32Array, size: number, batch: number) {
  for (let s = 0; s < indices.length; s += batch) yield makeBatch(split, indices, s, Math.min(s + batch, indices.length), size);
}

async function evaluate(model: LayersModel, split: Split, indices: Uint32Array, size: number, batch: number): Promise<{ loss: number; acc: number }> {
  let lossSum = 0;
  let correct = 0;
  for (let s = 0; s < indices.length; s += batch) {
    const e = Math.min(s + batch, indices.length);
    const b = makeBatch(split, indices, s, e, size);
    const [lt, ct] = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.n, b.size, b.size, 1]);
      const y = tf.tensor1d(b.y, 'int32');
      const logits = model.apply(x, { training: false }) as tf.Tensor;
      const loss = tf.mul(crossEntropy(logits, y), b.n);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'));
      return [loss, hits];
    });
    const [l, c] = await Promise.all([lt.data(), ct.data()]);
    tf.dispose([lt, ct]);
    lossSum += l[0];
    correct += c[0];
  }
  return { loss: lossSum / indices.length, acc: correct / indices.length };
}

/** One tfjs training step: the loss before the update and how many of the batch's predictions were right. */
async function tfjsStep(optimizer: WeightOptimizer, model: LayersModel, vars: tf.Variable[], batch: Batch, lr: number): Promise<{ loss: number; correct: number }> {
  let hits: tf.Tensor | null = null;
  const cost = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.n, batch.size, batch.size, 1]);
    const y = tf.tensor1d(batch.y, 'int32');
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      // Kept past the gradient's tidy; argMax is off the loss's path, so backprop ignores it.
      hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')));
      return crossEntropy(logits, y);
    }, vars);
    optimizer.apply(grads, lr);
    return value;
  });
  try {
    const [l, c] = await Promise.all([cost.data(), hits!.data()]);
    return { loss: l[0], correct: c[0] };
  } finally {
    tf.dispose([cost, hits!]);
  }
}

const BLANK_STATE: TrainState = { epochsDone: 0, batchesDone: 0, partialLossSum: 0, partialLossCount: 0, last: null, seconds: 0, referenceLoss: null };

/** What the user can do after a failure that left the run incomplete. */
async function resumeHint(store: RunStore): Promise<string> {
  let newest: string | null = null;
  try { newest = await store.latestCheckpoint(); } catch { /* the folder may be unreadable too */ }
  return newest
    ? ` The run can be resumed from its checkpoint ${newest} once that is fixed.`
    : ' No checkpoint was saved yet, so resuming would start over from epoch 1.';
}

/**
 * Runs (or resumes) the run in `store` to completion, a graceful stop or a failure. Never throws
 * for expected failures (bad graph, missing data, divergence, a full disk, a run already being
 * trained): they become an error event.
 */
export async function trainRun(store: RunStore, host: TrainerHost, hooks: TrainerHooks, opts: TrainOptions = {}): Promise<Outcome> {
  let cfgFile: RunConfigFile;
  let lock: RunLock;
  try {
    cfgFile = await store.readConfig();
    lock = await store.lock();
  } catch (err) {
    // Not our run to write to (another process trains it) or no run at all: report, touch nothing.
    const message = err instanceof RunFolderError ? err.message : `Training failed: ${(err as Error).message ?? String(err)}`;
    hooks.emit({ event: 'error', runId: baseName(store.location), message, code: err instanceof RunFolderError && err.problem === 'locked' ? 'run-locked' : 'run-folder' });
    return 'failed';
  }
  try {
    return await trainLocked(store, host, cfgFile, lock, hooks, opts);
  } finally {
    lock.release();
  }
}

async function trainLocked(store: RunStore, host: TrainerHost, cfgFile: RunConfigFile, lock: RunLock, hooks: TrainerHooks, opts: TrainOptions): Promise<Outcome> {
  const runId = cfgFile.runId;
  const t0 = Date.now();
  let active: ActiveBackend | null = null;
  let last: TrainState['last'] = null;
  let epochsDone = 0;
  let priorSeconds = 0;

  const emit = async (e: TrainingEvent) => {
    await store.append(e);
    hooks.emit(e);
  };
  /** For the last words of a failing run: the parent hears them even when the disk cannot take them. */
  const emitAnyway = async (e: TrainingEvent) => {
    try { await store.append(e); } catch { /* already failing; the parent still gets the event */ }
    hooks.emit(e);
  };
  const finalFile = (status: Outcome, message?: string) => ({
    status, epochs: epochsDone, train_loss: last?.train_loss ?? null, val_loss: last?.val_loss ?? null, val_acc: last?.val_acc ?? null,
    seconds: priorSeconds + (Date.now() - t0) / 1000, backend: active?.name ?? null, device: active?.device ?? null, message, finishedAt: new Date().toISOString(),
  });
  const fail = async (message: string, code: string): Promise<Outcome> => {
    await emitAnyway({ event: 'error', runId, message, code });
    try { await store.writeFinal(finalFile('failed', message)); } catch { /* the error event says it all */ }
    return 'failed';
  };
  const finish = async (status: 'done' | 'stopped'): Promise<Outcome> => {
    const final = finalFile(status);
    await store.writeFinal(final);
    await emit({ event: 'done', runId, stopped: status === 'stopped', epochs: epochsDone, train_loss: final.train_loss, val_loss: final.val_loss, val_acc: final.val_acc, seconds: final.seconds });
    return status;
  };

  let plan: TrainingPlan | null = null;
  let model: LayersModel | null = null;
  let optimizer: WeightOptimizer | null = null;
  let compiled: CompiledStep | null = null;
  try {
    const torn = await store.repairEvents();
    if (opts.epochs !== undefined && opts.epochs !== cfgFile.config.epochs) {
      // Written under the lock, so a refused second trainer cannot change a running one's plan.
      const checked = checkTrainConfig({ ...cfgFile.config, epochs: opts.epochs });
      if (!checked.ok) return await fail(checked.message, 'bad-request');
      cfgFile = { ...cfgFile, config: checked.value };
      await store.writeConfig(cfgFile);
    }
    const prior = await store.readEvents();

    const planned = planTraining(await store.readGraphText(), cfgFile.config, { source: `The run's ${GRAPH_JSON}` });
    if (!planned.ok) return await fail(planned.error.message, planned.error.code);
    plan = planned.value;
    const { config, imageSize } = plan;

    active = await host.initBackend(config.backend, { threads: config.threads });
    const source = host.data(config.dataDir);
    const counts = await source.counts();
    const trainIdx = subset(counts.train, config.limit, config.seed);
    const valIdx = Uint32Array.from({ length: Math.min(config.valLimit ?? counts.test, counts.test) }, (_, i) => i);
    const data = await source.load({ train: trainIdx, test: valIdx });
    const n = trainIdx.length;
    const bs = Math.min(config.batchSize, n);
    const batchesPerEpoch = Math.ceil(n / bs);

    let state: TrainState = { ...BLANK_STATE };
    let resumedFrom: string | null = null;
    const notes: string[] = [];
    if (active.note) notes.push(active.note);
    if (opts.resume) {
      const { loaded, rejected } = await store.loadLatestCheckpoint();
      for (const r of rejected) notes.push(`checkpoint ${baseName(r.path)} is unusable (${r.reason}); it was set aside${loaded ? ` and ${baseName(loaded.path)} used instead` : ''}.`);
      if (loaded) {
        model = loaded.model;
        state = { ...BLANK_STATE, ...loaded.state };
        resumedFrom = baseName(loaded.path);
      } else {
        notes.push('no usable checkpoint: training starts over from epoch 1.');
      }
      const previous = previousAttempt(prior);
      const superseded = supersededCount(prior, state.epochsDone, state.batchesDone);
      const staleLock = lock.tookOver ? { pid: lock.tookOver.pid, since: lock.tookOver.since } : null;
      await emit({
        event: 'resume', runId, epoch: state.epochsDone, batch: state.batchesDone, checkpoint: resumedFrom, previous: previous.end, superseded,
        message: breakMessage({ previous, epochsDone: state.epochsDone, batchesDone: state.batchesDone, checkpoint: resumedFrom, superseded, staleLock, torn }),
      });
    }
    // The plan already analysed this very document; compiling does not analyse it again.
    model ??= compileGraph(plan.doc, { seed: config.seed, analysis: plan.analysis });
    epochsDone = state.epochsDone;
    last = state.last;
    priorSeconds = state.seconds;
    if (state.epochsDone >= config.epochs) return await finish('done');

    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const evalBatch = imageSize <= FASHION_MNIST.side ? 1000 : bs;
    const spec = optimizerSpec(config);
    // On the native backend the whole step runs in the addon where the graph allows it.
    const choice = host.compiledStep?.(active.name, plan, model, { seed: config.seed, optimizer: spec, threads: config.threads }) ?? { trainer: null };
    compiled = choice.trainer;
    if (choice.note) notes.push(choice.note);
    if (compiled) active = { ...active, device: compiled.device };
    else optimizer = createWeightOptimizer(spec, model.trainableWeights.map((w, i) => ({ name: w.originalName, variable: vars[i] })));
    const optimizerState = (): OptimizerState | null => compiled?.exportOptimizerState() ?? optimizer?.exportState() ?? null;
    if (state.optimizer) {
      try {
        if (compiled) compiled.importOptimizerState(state.optimizer);
        else optimizer!.importState(state.optimizer);
      } catch (err) {
        notes.push(`the checkpoint's optimizer state does not fit (${(err as Error).message}); the optimizer starts afresh.`);
      }
      state = { ...state, optimizer: null };
    } else if (resumedFrom && (spec.kind !== 'sgd' || (spec.momentum ?? 0) !== 0)) {
      notes.push(`checkpoint ${resumedFrom} predates saved optimizer state; ${spec.kind === 'sgd' ? 'the momentum' : "Adam's moments"} start afresh.`);
    }
    const watch = divergenceWatch({ classes: FASHION_MNIST.classes, lr: config.lr, reference: state.referenceLoss });
    const checkpoint = async (s: TrainState): Promise<string> => {
      // A run whose lock was taken from under it (running.json deleted, another trainer started)
      // must not overwrite the other trainer's checkpoints.
      if (!lock.held()) throw new RunFolderError('locked', `${store.location}/running.json`, 'This run\'s lock was removed or taken by another process while it trained; it stops without saving, to leave the run to that process.', 'Train each run in one process at a time.');
      compiled?.syncModel();
      return store.saveCheckpoint(model!, { ...s, referenceLoss: watch.reference, optimizer: optimizerState() });
    };

    await emit({
      event: 'start', runId, runDir: store.location, backend: active.name, device: active.device, ...(notes.length ? { note: notes.join(' ') } : {}),
      epochs: config.epochs, batchesPerEpoch, trainSamples: n, valSamples: valIdx.length,
    });

    let epochSecondsEstimate: number | null = null;
    for (let epoch = state.epochsDone; epoch < config.epochs; epoch++) {
      const order = epochOrder(n, config.seed, epoch);
      const lr = scheduledLr(config, epoch);
      const tEpoch = Date.now();
      let trainMs = 0;
      let lossSum = state.partialLossSum;
      let lossCount = state.partialLossCount;
      let seen = 0;
      const startBatch = state.batchesDone;
      // Train accuracy as d2l's train_ch6 reports it: of the predictions made while training, over
      // the whole epoch, the batches before a mid-epoch stop included.
      let correctSum = state.partialCorrect ?? 0;
      const samplesBefore = Math.min(startBatch * bs, n);
      state = { ...state, batchesDone: 0, partialLossSum: 0, partialLossCount: 0, partialCorrect: 0 };
      for (let b = startBatch; b < batchesPerEpoch; b++) {
        const tb = Date.now();
        const s = b * bs;
        const e = Math.min(s + bs, n);
        const batch = makeBatch(data.train, Array.from(order.subarray(s, e), (i) => trainIdx[i]), 0, e - s, imageSize);
        const { loss: lossValue, correct } = compiled ? compiled.step(batch, lr) : await tfjsStep(optimizer!, model, vars, batch, lr);
        trainMs += Date.now() - tb;
        seen += batch.n;
        correctSum += correct;
        const diverged = watch.check(lossValue, { epoch: epoch + 1, batch: b + 1 });
        if (diverged) return await fail(diverged.message, diverged.code);
        lossSum += lossValue;
        lossCount += 1;
        const rate = seen / Math.max(trainMs / 1000, 1e-6);
        const leftThisEpoch = (n - e) / rate;
        const eta = leftThisEpoch + (config.epochs - epoch - 1) * (epochSecondsEstimate ?? n / rate);
        await emit({ event: 'batch', runId, epoch: epoch + 1, batch: b + 1, batchesPerEpoch, loss: lossValue, samples_per_s: rate, eta_s: eta });
        await host.tick();
        if (hooks.shouldStop() && b + 1 < batchesPerEpoch) {
          const p = await checkpoint({ epochsDone: epoch, batchesDone: b + 1, partialLossSum: lossSum, partialLossCount: lossCount, partialCorrect: correctSum, last, seconds: priorSeconds + (Date.now() - t0) / 1000, referenceLoss: null });
          await emit({ event: 'checkpoint', runId, epoch, path: p });
          return await finish('stopped');
        }
      }
      const val = compiled ? compiled.evaluate(batchesOf(data.test, valIdx, imageSize, evalBatch)) : await evaluate(model, data.test, valIdx, imageSize, evalBatch);
      const seconds = (Date.now() - tEpoch) / 1000;
      epochSecondsEstimate = seconds;
      last = { train_loss: lossSum / Math.max(lossCount, 1), val_loss: val.loss, val_acc: val.acc };
      epochsDone = epoch + 1;
      const rate = seen / Math.max(trainMs / 1000, 1e-6);
      const trainAcc = correctSum / Math.max(samplesBefore + seen, 1);
      await emit({ event: 'epoch', runId, epoch: epoch + 1, ...last, train_acc: trainAcc, samples_per_s: rate, eta_s: (config.epochs - epoch - 1) * seconds, seconds });
      const p = await checkpoint({ epochsDone, batchesDone: 0, partialLossSum: 0, partialLossCount: 0, last, seconds: priorSeconds + (Date.now() - t0) / 1000, referenceLoss: null });
      await emit({ event: 'checkpoint', runId, epoch: epochsDone, path: p });
      hooks.afterEpoch?.(epochsDone);
      if (hooks.shouldStop() && epochsDone < config.epochs) return await finish('stopped');
    }
    return await finish('done');
  } catch (err) {
    if (err instanceof GraphError || err instanceof DataError) return fail(err.message, err.code);
    if (err instanceof RunFolderError) {
      if (err.problem === 'locked') {
        hooks.emit({ event: 'error', runId, message: err.message, code: 'run-locked' });
        return 'failed';
      }
      // A run folder that is gone cannot be resumed at all: no advice about its checkpoints.
      return fail(`${err.message}${err.problem === 'missing' ? '' : await resumeHint(store)}`, 'run-folder');
    }
    if (plan && isOutOfMemory(err, active?.name)) return fail(outOfMemoryMessage(err, active?.name ?? plan.config.backend, plan.config.batchSize), 'out-of-memory');
    return fail(`Training failed: ${(err as Error).message ?? String(err)}`, 'internal');
  } finally {
    // After a WebAssembly trap the wasm heap is unusable and disposing throws again; the run's
    // outcome is already recorded, and the process exits next.
    try {
      optimizer?.dispose();
      compiled?.dispose();
      model?.dispose();
    } catch { /* see above */ }
  }
}
