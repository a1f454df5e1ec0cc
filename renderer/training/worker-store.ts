/**
 * The trainer's RunStore (main/engine-core/run-store.ts) and data source in a Web Worker: every
 * operation is an Api call (workerRun, fashionSamples) that the Node side does on the run folder
 * with the training process's own code (main/engine/worker-runs.ts). Errors come back as values
 * and are turned back into the trainer's error types, so its messages are the same as in Node.
 */

import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import {
  MAX_SAMPLES_PER_CALL, WORKER_WEIGHT_PART_BYTES, packOptimizerState, unpackOptimizerState, type ApiError, type FashionSamples, type OptimizerStateListing, type Result, type WorkerRunOp,
} from '../../shared/api';
import type { TrainingEvent } from '../../shared/training';
import { DataError, type FashionSource, type Split } from '../../main/engine-core/batches';
import { RUN_FOLDER_PROBLEMS, RunFolderError, type RunFolderProblem } from '../../main/engine-core/run-folder-error';
import type { LoadResult, RunConfigFile, RunStore, TrainState } from '../../main/engine-core/run-store';
import type { WorkerApiCall } from './worker-protocol';

export type CallApi = (call: WorkerApiCall) => Promise<Result<unknown>>;

/** An Api error as the error the trainer would have met in Node. */
function asError(e: ApiError): Error {
  const d = e.details as { problem?: unknown; file?: unknown; fix?: unknown } | undefined;
  if (e.code === 'run-folder' && d && RUN_FOLDER_PROBLEMS.includes(d.problem as RunFolderProblem)) {
    return new RunFolderError(d.problem as RunFolderProblem, String(d.file ?? ''), e.message, String(d.fix ?? ''));
  }
  if (e.code === 'data') return new DataError(e.message);
  return new Error(e.message);
}

async function value<T>(r: Promise<Result<unknown>>): Promise<T> {
  const got = await r;
  if (!got.ok) throw asError(got.error);
  return got.value as T;
}

// base64 by way of binary strings: atob/btoa are what a worker has; the chunks keep
// String.fromCharCode's argument list within the engine's limit.
function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

interface LoadedArtifacts {
  loaded: { model: Omit<tf.io.ModelArtifacts, 'weightData'>; weightBytes: number; optimizerBytes?: number; state: Omit<TrainState, 'optimizer'> & { optimizer?: OptimizerStateListing | null }; path: string } | null;
  rejected: LoadResult['rejected'];
}

export function apiRunStore(call: CallApi, runId: string, runDir: string): RunStore {
  const run = <T>(op: WorkerRunOp): Promise<T> => value<T>(call({ name: 'workerRun', arg: { runId, ...op } }));
  return {
    location: runDir,
    readConfig: () => run<RunConfigFile>({ op: 'readConfig' }),
    writeConfig: async (config) => { await run({ op: 'writeConfig', config }); },
    readGraphText: () => run<string>({ op: 'readGraphText' }),
    async lock() {
      const { tookOver } = await run<{ tookOver: { pid: number; since: string } | null }>({ op: 'lock' });
      let released = false;
      return {
        tookOver,
        // The Node side checks the lock on every write; this only says whether we gave it up.
        held: () => !released,
        release() {
          if (released) return;
          released = true;
          void run({ op: 'release' }).catch(() => { /* the lease ends it anyway */ });
        },
      };
    },
    repairEvents: () => run<{ bytes: number } | null>({ op: 'repairEvents' }),
    readEvents: () => run<TrainingEvent[]>({ op: 'readEvents' }),
    append: async (event) => { await run({ op: 'append', event }); },
    writeFinal: async (final) => { await run({ op: 'writeFinal', final }); },
    async saveCheckpoint(model, state) {
      let saved: tf.io.ModelArtifacts | null = null;
      await model.save(tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      const a = saved as unknown as tf.io.ModelArtifacts;
      const weights = a.weightData == null ? new Uint8Array(0) : new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData));
      // Float32Arrays do not survive JSON: the optimizer's arrays travel as bytes after the weights.
      const { optimizer, ...rest } = state;
      const packed = optimizer ? packOptimizerState(optimizer) : null;
      let bytes = weights;
      if (packed) {
        bytes = new Uint8Array(weights.length + packed.bytes.length);
        bytes.set(weights);
        bytes.set(packed.bytes, weights.length);
      }
      for (let o = 0; o === 0 || o < bytes.length; o += WORKER_WEIGHT_PART_BYTES) {
        await run({ op: 'putWeights', first: o === 0, part: toBase64(bytes.subarray(o, o + WORKER_WEIGHT_PART_BYTES)) });
      }
      const { modelTopology, weightSpecs, format, generatedBy, convertedBy } = a;
      return run<string>({
        op: 'saveCheckpoint', model: { modelTopology, weightSpecs, format, generatedBy, convertedBy: convertedBy ?? null },
        state: { ...rest, optimizer: packed?.listing ?? null }, weightBytes: weights.length,
      });
    },
    async loadLatestCheckpoint() {
      const got = await run<LoadedArtifacts>({ op: 'loadLatestCheckpoint' });
      if (!got.loaded) return { loaded: null, rejected: got.rejected };
      const { weightBytes, optimizerBytes = 0 } = got.loaded;
      const all = new Uint8Array(weightBytes + optimizerBytes);
      for (let o = 0; o < all.length; o += WORKER_WEIGHT_PART_BYTES) {
        all.set(fromBase64(await run<string>({ op: 'getWeights', offset: o, length: Math.min(WORKER_WEIGHT_PART_BYTES, all.length - o) })), o);
      }
      const model = await loadLayersModel(tf.io.fromMemory({ ...got.loaded.model, weightData: all.buffer.slice(0, weightBytes) }));
      const { optimizer, ...rest } = got.loaded.state;
      const state: TrainState = optimizer ? { ...rest, optimizer: unpackOptimizerState(optimizer, all.subarray(weightBytes)) } : rest;
      return { loaded: { model, state, path: got.loaded.path }, rejected: got.rejected };
    },
    latestCheckpoint: () => run<string | null>({ op: 'latestCheckpoint' }),
  };
}

/** Fashion-MNIST through the Api: the counts, then only the samples the run reads, in parts. */
export function apiFashionSource(call: CallApi, dataDir: string | null): FashionSource {
  const ask = (split: 'train' | 'test', indices: number[]) => value<FashionSamples>(call({ name: 'fashionSamples', arg: { split, dataDir, indices } }));
  const loadSplit = async (split: 'train' | 'test', need: Uint32Array): Promise<Split> => {
    const head = await ask(split, []);
    const plane = head.height * head.width;
    const images = new Uint8Array(head.count * plane);
    const labels = new Uint8Array(head.count);
    for (let s = 0; s < need.length; s += MAX_SAMPLES_PER_CALL) {
      const indices = Array.from(need.subarray(s, s + MAX_SAMPLES_PER_CALL));
      const got = await ask(split, indices);
      const im = fromBase64(got.images);
      const lb = fromBase64(got.labels);
      indices.forEach((idx, i) => {
        images.set(im.subarray(i * plane, (i + 1) * plane), idx * plane);
        labels[idx] = lb[i];
      });
    }
    return { images, labels, count: head.count, height: head.height, width: head.width };
  };
  return {
    async counts() {
      const [train, test] = await Promise.all([ask('train', []), ask('test', [])]);
      return { train: train.count, test: test.count };
    },
    async load(need) {
      return { train: await loadSplit('train', need.train), test: await loadSplit('test', need.test) };
    },
  };
}
