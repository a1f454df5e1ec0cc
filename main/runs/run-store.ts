/**
 * The trainer's RunStore (main/engine-core/run-store.ts) as a run folder on node:fs: the training
 * process's, and the Node side of a Web Worker's (main/runs/worker-runs.ts serves it over the Api).
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../common/atomic';
import { listCheckpoints, loadLatestCheckpoint, saveCheckpoint } from './checkpoints';
import { guardFs } from './errors';
import { acquireRunLock } from './run-lock';
import { CONFIG_JSON, GRAPH_JSON, appendEvent, readEvents, readRunConfig, repairMetrics, writeFinal } from './run-folder';
import type { RunStore } from '../engine-core/run-store';

export type { RunStore };

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
