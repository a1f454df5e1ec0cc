/**
 * A tfjs IOHandler on node:fs. tfjs's own file:// handler comes only with tfjs-node; this one
 * works under every backend, so a checkpoint written on wasm loads on cpu and vice versa.
 * Layout (the same as tfjs-node's): model.json (topology + weights manifest) and weights.bin.
 */

import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileDurable } from '../common/atomic';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };

function expectedBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[s.dtype] ?? 4), 0);
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Writes into `dir` (created if needed); the caller makes the folder switch atomic. */
export function fsIOHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new CheckpointError('binary model topologies are not supported');
      mkdirSync(dir, { recursive: true });
      const weights = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const specs = artifacts.weightSpecs ?? [];
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
      };
      writeFileDurable(path.join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      writeFileDurable(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: weights }) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, MODEL_JSON);
      const binPath = path.join(dir, WEIGHTS_BIN);
      if (!existsSync(jsonPath)) throw new CheckpointError(`${jsonPath} is missing`);
      let json: any;
      try {
        json = JSON.parse(readFileSync(jsonPath, 'utf8'));
      } catch (err) {
        throw new CheckpointError(`${jsonPath} is not valid JSON (${(err as Error).message})`);
      }
      if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new CheckpointError(`${jsonPath} is not a model file (no modelTopology / weightsManifest)`);
      }
      const specs: tf.io.WeightsManifestEntry[] = json.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) => g.weights ?? []);
      if (!existsSync(binPath)) throw new CheckpointError(`${binPath} is missing`);
      const bin = readFileSync(binPath);
      const want = expectedBytes(specs);
      if (bin.length !== want) throw new CheckpointError(`${binPath} holds ${bin.length} bytes; the manifest needs ${want} (truncated or corrupt)`);
      const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
      return { modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, weightSpecs: specs, weightData };
    },
  };
}
