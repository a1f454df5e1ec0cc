/**
 * The memory a training run may use, for the training plan's check before Start
 * (shared/shapes/memory.ts): the rule is shared (the Training panel applies it too, with the
 * machine's memory the Api reports); only this side can read the machine's memory.
 */

import os from 'node:os';
import { memoryLimitFor, type MemoryLimit } from '../../shared/shapes/memory';
import type { TrainConfig } from '../../shared/training/settings';

export function trainingMemoryLimit(config: Pick<TrainConfig, 'backend'>, machineBytes = os.totalmem()): MemoryLimit {
  return memoryLimitFor(config.backend, machineBytes);
}
