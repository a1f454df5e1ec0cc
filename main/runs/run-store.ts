/**
 * Everything the trainer reads from and writes to its run, as one interface: the trainer touches
 * no file itself. Here it is the run folder on node:fs; a trainer running where there is no file
 * system (a Web Worker) would get one that carries the same calls through the Api. Every method may
 * fail with a RunFolderError, which names the file and the fix.
 */

import type { LayersModel } from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TrainingEvent } from '../../shared/training';
import { writeJsonAtomic } from '../common/atomic';
import { listCheckpoints, loadLatestCheckpoint, saveCheckpoint, type LoadResult, type TrainState } from './checkpoints';
import { guardFs } from './errors';
import { acquireRunLock, type RunLock } from './run-lock';
import {
  CONFIG_JSON, GRAPH_JSON, appendEvent, readEvents, readRunConfig, repairMetrics, writeFinal, type FinalFile, type RunConfigFile,
} from './run-folder';

export interface RunStore {
  /** Where the run lives, as the user should see it (the start event's runDir). */
  readonly location: string;
  readConfig(): Promise<RunConfigFile>;
  writeConfig(cfg: RunConfigFile): Promise<void>;
  /** graph.json's text (parsed and checked by the plan, like any graph). */
  readGraphText(): Promise<string>;
  /** Takes the run lock; throws RunFolderError 'locked' while another live process holds it. */
  lock(): Promise<RunLock>;
  /** Cuts a torn last event line off; the bytes removed, or null. */
  repairEvents(): Promise<{ bytes: number } | null>;
  readEvents(): Promise<TrainingEvent[]>;
  /** Appends one event; nothing of it is left when it fails. */
  append(e: TrainingEvent): Promise<void>;
  writeFinal(final: FinalFile): Promise<void>;
  saveCheckpoint(model: LayersModel, state: TrainState): Promise<string>;
  loadLatestCheckpoint(): Promise<LoadResult>;
  /** The newest checkpoint's name, or null when there is none yet. */
  latestCheckpoint(): Promise<string | null>;
}

export function nodeRunStore(runDir: string): RunStore {
  return {
    location: runDir,
    readConfig: async () => readRunConfig(runDir),
    async writeConfig(cfg) {
      const file = path.join(runDir, CONFIG_JSON);
      guardFs(file, `write ${CONFIG_JSON}`, () => writeJsonAtomic(file, cfg));
    },
    async readGraphText() {
      const file = path.join(runDir, GRAPH_JSON);
      return guardFs(file, `read ${GRAPH_JSON}`, () => readFileSync(file, 'utf8'));
    },
    lock: async () => acquireRunLock(runDir),
    repairEvents: async () => repairMetrics(runDir),
    readEvents: async () => readEvents(runDir),
    append: async (e) => appendEvent(runDir, e),
    writeFinal: async (f) => writeFinal(runDir, f),
    saveCheckpoint: (model, state) => saveCheckpoint(runDir, model, state),
    loadLatestCheckpoint: () => loadLatestCheckpoint(runDir),
    latestCheckpoint: async () => {
      const [newest] = listCheckpoints(runDir);
      return newest ? path.basename(newest) : null;
    },
  };
}
