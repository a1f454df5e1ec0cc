/**
 * The memory a training run may use, for the training plan's check before Start
 * (shared/shapes/memory.ts): the machine's RAM, or for the wasm backend WebAssembly's 4 GB,
 * whichever is smaller. Total memory, not free memory: the estimate is a lower bound, so a run
 * it refuses could never fit, however much else were closed.
 */

import os from 'node:os';
import { WASM_MEMORY_BYTES, type MemoryLimit } from '../../shared/shapes/memory';
import type { TrainConfig } from '../../shared/training/settings';

export function trainingMemoryLimit(config: Pick<TrainConfig, 'backend'>, machineBytes = os.totalmem()): MemoryLimit {
  if (config.backend === 'wasm' && WASM_MEMORY_BYTES < machineBytes) {
    return { bytes: WASM_MEMORY_BYTES, what: "the wasm backend's memory (WebAssembly's limit; the native backend has no such limit)" };
  }
  return { bytes: machineBytes, what: "this machine's memory" };
}
