/**
 * A page's training Web Worker: the trainer (main/engine-core/trainer.ts) on the browser's own
 * WebGPU, its run and data reached through the page's Api (worker-store.ts). Started by
 * worker-client.ts with one 'start' message; 'stop' finishes the batch, checkpoints and ends, as
 * in the training process. Bundled by Vite as a module worker with tfjs-backend-webgpu inside.
 */

import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as webgpu from '@tensorflow/tfjs-backend-webgpu';
import type { Result } from '../../shared/api';
import { trainRun, type TrainerHost } from '../../main/engine-core/trainer';
import { SOFTWARE_ADAPTER_NOTE, startWebGpuBackend, type GpuLike, type WebGpuModule } from '../../main/engine-core/webgpu/backend';
import { apiFashionSource, apiRunStore, type CallApi } from './worker-store';
import type { FromWorker, ToWorker } from './worker-protocol';

const GB = 2 ** 30;

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

let nextId = 1;
const pending = new Map<number, (r: Result<unknown>) => void>();
const callApi: CallApi = (call) => new Promise((resolve) => {
  const id = nextId++;
  pending.set(id, resolve);
  post({ type: 'call', id, ...call });
});

let stop = false;

/**
 * WebGPU does not say how much memory a GPU has: half the device memory the browser admits to
 * (it caps its answer at 8 GB), as Node takes half the RAM, so a run that does not fit fails with
 * the batch to try instead of swapping.
 */
function memoryBudget(): number {
  const gb = (navigator as { deviceMemory?: number }).deviceMemory;
  return Math.min((typeof gb === 'number' && gb > 0 ? gb : 8) * GB / 2, 8 * GB);
}

const host: TrainerHost = {
  async initBackend(choice) {
    if (choice !== 'webgpu') throw new Error(`backend "${choice}" is not available in the page's worker: it trains on the browser's WebGPU (choose webgpu, or train in the server)`);
    const gpu = (navigator as { gpu?: GpuLike }).gpu;
    if (!gpu) throw new Error('backend "webgpu" is not available: this browser offers no WebGPU to a worker (navigator.gpu is missing; Chrome and Edge have it, Firefox and Safari behind a flag)');
    // Explicit webgpu takes a software adapter and says so, as in Node.
    const started = await startWebGpuBackend(gpu, webgpu as unknown as WebGpuModule, { allowSoftware: true, memoryBudgetBytes: memoryBudget(), syncReadsPossible: false });
    return { name: 'webgpu', device: started.device, ...(started.software ? { note: SOFTWARE_ADAPTER_NOTE } : {}) };
  },
  data: (dir) => apiFashionSource(callApi, dir),
  // A message (stop) can only arrive when the worker's event loop runs.
  tick: () => new Promise<void>((r) => setTimeout(r, 0)),
};

self.onmessage = (m: MessageEvent<ToWorker>) => {
  const msg = m.data;
  switch (msg.type) {
    case 'result':
      pending.get(msg.id)?.(msg.result);
      pending.delete(msg.id);
      return;
    case 'stop':
      stop = true;
      return;
    case 'start': {
      const store = apiRunStore(callApi, msg.runId, msg.runDir);
      trainRun(store, host, { emit: (event) => post({ type: 'event', event }), shouldStop: () => stop }, { resume: msg.resume, ...(msg.epochs !== undefined ? { epochs: msg.epochs } : {}) }).then(
        (outcome) => post({ type: 'end', outcome }),
        // trainRun turns expected failures into an error event; anything else is a crash the page reports.
        (err: unknown) => post({ type: 'crash', message: err instanceof Error ? err.message : String(err) }),
      );
    }
  }
};
