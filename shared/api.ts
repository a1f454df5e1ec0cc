/**
 * The Api contract between the renderer and the Node side. Two transports carry it: the Electron
 * preload (contextBridge over ipcRenderer.invoke) and the browser-mode WebSocket client; on the
 * Node side both reach the same dispatcher (main/api/dispatch.ts). Calls return values, never
 * throw across the boundary; event streams are `onX` members returning an unsubscribe function.
 */

import type { GraphDoc } from './graph/types';
import type {
  Conv1x1Request, Conv1x1Result, CorrelateRequest, CorrelateResult, FashionImageRequest, FashionImageResult, LearnRequest, LearnResult, PoolRequest, PoolResult,
} from './lab/types';
import type {
  Activations, ActivationsRequest, Evaluation, Filters, FiltersRequest, GradCam, GradCamRequest, Histograms, HistogramsRequest, ImagesRequest, InsightEpochs, RunAt, ValidationImage,
} from './insight';
import type { RunSummary, TrainingEvent, TrainRequest } from './training';
import type { OptimizerState } from './training/optimizer';
import type { EstimateBasis, StepMeasurement } from './training/estimate';

export interface ApiError {
  /** Stable code, e.g. "invalid-graph", "not-found", "bad-request", "busy". */
  code: string;
  message: string;
  details?: unknown;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: string, message: string, details?: unknown): Result<never> => ({ ok: false, error: { code, message, details } });

export interface BackendInfo {
  name: string;
  available: boolean;
  device: string;
  note?: string;
}

/** One backend as `convstudio doctor` and the Training panel's GPU check report it. */
export interface DoctorBackend {
  name: string;
  installed: boolean;
  /** What it would compute on here: the GPU's name, "cpu (…)", or "none". */
  device: string;
  /** Whether it would train on a real GPU here. */
  gpu: boolean;
  /** What was found, one fact per line. */
  findings: string[];
  /** What stands between it and the GPU (or between it and running at all), each with its fix. */
  problems: { problem: string; fix: string }[];
}

export interface DoctorReport {
  /** e.g. "linux x64, Node 20.20.2". */
  system: string;
  backends: DoctorBackend[];
  /** The backend `auto` trains on here, and its device. */
  auto: { backend: string; device: string };
  /** What this host could not check itself (the desktop app does not run Dawn), one line each. */
  unchecked: string[];
}

export interface HostInfo {
  host: 'electron' | 'browser';
  version: string;
  platform: string;
}

export interface OpenedFile {
  path: string | null;
  name: string;
  text: string;
}

export interface MetricsRecord {
  runId: string;
  events: TrainingEvent[];
}

/** What an export writes: a PyTorch folder, an ONNX model, or the graph document. */
export type ExportFormat = 'pytorch' | 'onnx' | 'graph';

/** The canvas's graph, or a run's weights: its newest checkpoint, or `epoch` (0: the weights it started from). */
export type ExportRequest =
  | { format: ExportFormat; graph: GraphDoc }
  | { format: ExportFormat; runId: string; epoch?: number | null };

export interface ExportSummary {
  /** The network's name. */
  name: string;
  /** The folder the files belong in (and the zip's name): "LeNet-pytorch". */
  folder: string;
  files: { name: string; bytes: number }[];
  /** Where the weights came from, a file left out and why. */
  notes: string[];
}

/**
 * One RunStore operation (main/engine-core/run-store.ts) of a run that a page's Web Worker trains,
 * done by the Node side on the run's folder (main/runs/worker-runs.ts), so the folder stays the
 * one record of the run. Checkpoint weights travel as base64 in parts (`putWeights` before
 * `saveCheckpoint`, `getWeights` after `loadLatestCheckpoint`), each within a message's limit.
 * `abandon` is the page telling that its worker is gone (crashed, killed on request, or lost when
 * the page was reloaded); `heartbeat` is the page saying it is still there while its worker
 * computes. `owner` names the page (one tab, kept across its reloads): only the page that took a
 * run's lock may abandon it.
 */
export type WorkerRunOp =
  | { op: 'readConfig' | 'readGraphText' | 'lock' | 'release' | 'repairEvents' | 'readEvents' | 'latestCheckpoint' | 'loadLatestCheckpoint' }
  | { op: 'writeConfig'; config: unknown }
  | { op: 'append'; event: TrainingEvent }
  | { op: 'writeFinal'; final: unknown }
  | { op: 'putWeights'; part: string; first: boolean }
  | { op: 'saveCheckpoint'; model: { modelTopology: unknown; weightSpecs: unknown; format?: string; generatedBy?: string; convertedBy?: string | null }; state: unknown; weightBytes?: number }
  | { op: 'getWeights'; offset: number; length: number }
  | { op: 'abandon'; killed: boolean; reason: string }
  | { op: 'heartbeat' };
export type WorkerRunRequest = { runId: string; owner?: string } & WorkerRunOp;
/** How often a page says it is still there while its worker computes (the server's lease is far longer). */
export const WORKER_HEARTBEAT_MS = 10_000;
/** What `abandon` answers: whether this page's worker held the run, or another page's does. */
export interface AbandonReply {
  abandoned: boolean;
  /** The run is trained by a worker of another page (another tab): left alone. */
  otherPage: boolean;
  message: string | null;
}
/** Checkpoint weights travel in parts of at most this many bytes (8 MB as base64, inside a request). */
export const WORKER_WEIGHT_PART_BYTES = 6 * 2 ** 20;
/**
 * A checkpoint's optimizer state on the wire: the JSON part names and shapes its arrays (as
 * state.json does); their float32 bytes follow the weights' in the same parts (`weightBytes`
 * says where the weights end), so momentum or Adam's moments obey the same message limit.
 */
export interface OptimizerStateListing {
  kind: OptimizerState['kind'];
  steps: OptimizerState['steps'];
  slots: { name: string; shape: number[] }[];
}

export function packOptimizerState(state: OptimizerState): { listing: OptimizerStateListing; bytes: Uint8Array } {
  const total = state.slots.reduce((a, x) => a + x.values.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const x of state.slots) {
    all.set(x.values, at);
    at += x.values.length;
  }
  return { listing: { kind: state.kind, steps: state.steps, slots: state.slots.map((x) => ({ name: x.name, shape: x.shape })) }, bytes: new Uint8Array(all.buffer) };
}

/** The listing's arrays cut from `bytes`; throws, naming the mismatch, when the two do not fit. */
export function unpackOptimizerState(listing: OptimizerStateListing, bytes: Uint8Array): OptimizerState {
  if (!listing || !Array.isArray(listing.slots) || listing.slots.some((x) => !Array.isArray(x?.shape) || !x.shape.every((d) => Number.isInteger(d) && d >= 0))) throw new Error('the optimizer state lists no slots with whole-number shapes');
  const sizes = listing.slots.map((x) => x.shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (bytes.length !== total * 4) throw new Error(`the optimizer state came with ${bytes.length} bytes where its slots need ${total * 4}`);
  // A copy: Float32Array needs an aligned buffer of its own, and the caller's may be shared.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const all = new Float32Array(copy.buffer);
  let at = 0;
  const slots = listing.slots.map((x, i) => {
    const values = all.slice(at, at + sizes[i]);
    at += sizes[i];
    return { name: x.name, shape: x.shape, values };
  });
  return { kind: listing.kind, steps: listing.steps, slots };
}

/** Samples per fashionSamples call: 4096 images are 3.2 MB, 4.3 MB as base64. */
export const MAX_SAMPLES_PER_CALL = 4096;

/** Fashion-MNIST samples for a Web Worker's trainer: the split's size, and the images and labels at `indices` as base64 bytes. */
export interface FashionSamplesRequest {
  split: 'train' | 'test';
  /** The run's data folder (its dataDir setting); null: the default places. */
  dataDir: string | null;
  indices: number[];
}
export interface FashionSamples {
  count: number;
  height: number;
  width: number;
  /** indices.length × height × width bytes, base64. */
  images: string;
  /** indices.length bytes, base64. */
  labels: string;
}

/**
 * The document as the autosave keeps it: the graph, the file it belongs to (null: untitled), and
 * whether it had changes that file does not have.
 */
export interface AutosaveDoc {
  graph: GraphDoc;
  file: { name: string; path: string | null } | null;
  dirty: boolean;
}

/** An autosave as it comes back: what was saved, and when (ISO). */
export interface Autosaved extends AutosaveDoc {
  savedAt: string;
}

/** Every call the renderer can make in any host. Payloads are validated on the Node side. */
export interface Api {
  info(): Promise<Result<HostInfo>>;
  listBackends(): Promise<Result<BackendInfo[]>>;
  /** Which backends are installed, which GPU each would use, and why not where it cannot (convstudio doctor). */
  doctor(): Promise<Result<DoctorReport>>;
  startTraining(req: TrainRequest): Promise<Result<{ runId: string; runDir: string }>>;
  stopTraining(args: { runId: string; mode: 'graceful' | 'kill' }): Promise<Result<{ runId: string }>>;
  listRuns(): Promise<Result<RunSummary[]>>;
  getRun(args: { runId: string }): Promise<Result<MetricsRecord>>;
  /** The export as one zip (base64), for the page to download. */
  exportModel(req: ExportRequest): Promise<Result<ExportSummary & { zip: string }>>;
  /** The epochs a run can be exported at: 0 (its initial weights) and those with a checkpoint. */
  exportEpochs(args: { runId: string }): Promise<Result<number[]>>;
  onTrainingEvent(listener: (e: TrainingEvent) => void): () => void;
  // Training in a page's Web Worker on the browser's WebGPU (renderer/training/worker-*.ts): the
  // run is planned and created here like startTraining's, then the worker reads and writes it
  // only through these calls.
  createWorkerRun(req: TrainRequest): Promise<Result<{ runId: string; runDir: string }>>;
  workerRun(req: WorkerRunRequest): Promise<Result<unknown>>;
  fashionSamples(req: FashionSamplesRequest): Promise<Result<FashionSamples>>;
  /** The graph a run trained (its graph.json), for reopening it on the canvas and comparing. */
  getRunGraph(args: { runId: string }): Promise<Result<GraphDoc>>;
  /** Names a run (stored in its folder); an empty name goes back to the graph's. */
  renameRun(args: { runId: string; name: string }): Promise<Result<{ runId: string; name: string }>>;
  /** Deletes a run's folder; refused ("busy") while the run trains or waits to. */
  deleteRun(args: { runId: string }): Promise<Result<{ runId: string }>>;
  /** Continues a stopped, failed or interrupted run from its last checkpoint, as `convstudio train --resume` does. */
  resumeTraining(args: { runId: string; epochs?: number }): Promise<Result<{ runId: string; runDir: string }>>;
  /** Keeps the document in the host's data folder, written whole, so a reload, crash or restart loses nothing. */
  saveAutosave(args: { doc: AutosaveDoc }): Promise<Result<{ savedAt: string }>>;
  /** The last autosave, or null when there is none (or it was discarded). */
  loadAutosave(): Promise<Result<Autosaved | null>>;
  discardAutosave(): Promise<Result<null>>;
  /** This machine's memory and the cached step measurements: what the estimate before Start needs from the host. */
  estimateBasis(): Promise<Result<EstimateBasis>>;
  /**
   * Training steps of this graph at this config on this machine (shared/training/estimate.ts):
   * the cached measurement, or a short probe in the engine service (`fresh`: always a probe).
   * Refused like Start when the graph cannot train.
   */
  measureTraining(req: TrainRequest & { fresh?: boolean }): Promise<Result<StepMeasurement>>;
  // The Kernel lab (shared/lab/): computed by the engine service, never in the page. A request
  // the shape engine refuses answers "invalid-lab-input" with its diagnostics as details.
  labCorrelate(req: CorrelateRequest): Promise<Result<CorrelateResult>>;
  labConv1x1(req: Conv1x1Request): Promise<Result<Conv1x1Result>>;
  labPool(req: PoolRequest): Promise<Result<PoolResult>>;
  labLearn(req: LearnRequest): Promise<Result<LearnResult>>;
  labFashionImage(req: FashionImageRequest): Promise<Result<FashionImageResult>>;
  // Insight (shared/insight.ts): a run's checkpoint asked what it learned, computed by the engine
  // service. A run without a usable checkpoint answers "no-checkpoint"; a bad request "bad-request".
  /** The checkpoints a run can be inspected at. */
  insightEpochs(args: { runId: string }): Promise<Result<InsightEpochs>>;
  /** The whole validation subset through the checkpoint: confusion matrix, per-class figures, mistakes (cached in the run folder). */
  insightEvaluate(req: RunAt): Promise<Result<Evaluation>>;
  /** Validation (test-set) images by index, 28×28 bytes. */
  insightImages(req: ImagesRequest): Promise<Result<ValidationImage[]>>;
  /** Every layer's output for one image, as channel grids, and the top-5 classes. */
  insightActivations(req: ActivationsRequest): Promise<Result<Activations>>;
  /** Grad-CAM of a class on a convolution, at the image's size. */
  insightGradCam(req: GradCamRequest): Promise<Result<GradCam>>;
  /** A convolution's learned filters as images. */
  insightFilters(req: FiltersRequest): Promise<Result<Filters>>;
  /** Weight and gradient histograms per layer. */
  insightHistograms(req: HistogramsRequest): Promise<Result<Histograms>>;
}

/**
 * What the Electron shell adds for its window: native file dialogs, the close prompt and the
 * menu. Browser mode has none of it; its page opens and saves files itself (renderer/api/).
 */
export interface DesktopApi extends Api {
  /** The native open dialog, then the chosen file's text. null = cancelled. */
  openGraphFile(): Promise<Result<OpenedFile | null>>;
  /** Save to path, or ask for one when path is null (or not a file the user chose). null = cancelled. */
  saveGraphFile(args: { path: string | null; suggestedName: string; graph: GraphDoc }): Promise<Result<{ path: string; name: string } | null>>;
  /** The page tells the shell whether the document has unsaved changes, so closing the window can ask. */
  setDocumentState(state: DocumentState): Promise<Result<null>>;
  /** Asks for a folder and writes the export into a new folder inside it; null = cancelled. */
  exportToFolder(req: ExportRequest): Promise<Result<(ExportSummary & { dir: string }) | null>>;
  /** Native menu items and files opened by the OS (file association, Open Recent). */
  onMenuCommand(listener: (c: MenuCommand) => void): () => void;
}

export interface DocumentState {
  dirty: boolean;
  /** Shown in the window title, e.g. "lenet.convstudio.json". */
  title: string;
}

/**
 * What a native menu item asks the page to do. `open-file` carries a file the shell already read
 * (Open Recent, a double-clicked .convstudio.json); `save` with `thenClose` comes from the
 * unsaved-changes prompt: the page saves as usual, and the shell closes the window once that save
 * has written a file.
 */
export type MenuCommand =
  | { command: 'new' | 'open' | 'save-as' | 'export' | 'undo' | 'redo' | 'delete' | 'select-all' | 'train-start' | 'train-stop' | 'fit-view' | 'shortcuts' }
  | { command: 'save'; thenClose?: boolean }
  | { command: 'open-file'; file: OpenedFile };

/** Names of the request/response calls, for the dispatcher, the IPC table and the socket protocol. */
export const API_CALLS = [
  'info', 'listBackends', 'doctor', 'startTraining', 'stopTraining', 'listRuns', 'getRun', 'exportModel', 'exportEpochs',
  'createWorkerRun', 'workerRun', 'fashionSamples',
  'getRunGraph', 'renameRun', 'deleteRun', 'resumeTraining', 'saveAutosave', 'loadAutosave', 'discardAutosave',
  'labCorrelate', 'labConv1x1', 'labPool', 'labLearn', 'labFashionImage',
  'insightEpochs', 'insightEvaluate', 'insightImages', 'insightActivations', 'insightGradCam', 'insightFilters', 'insightHistograms',
  'estimateBasis', 'measureTraining',
] as const;
export type ApiCall = (typeof API_CALLS)[number];
export const API_EVENTS = ['onTrainingEvent'] as const;
/** The desktop members, provided by the Electron shell on top of API_CALLS. */
export const DESKTOP_CALLS = ['openGraphFile', 'saveGraphFile', 'setDocumentState', 'exportToFolder'] as const;
export type DesktopCall = (typeof DESKTOP_CALLS)[number];
export const DESKTOP_EVENTS = ['onMenuCommand'] as const;

// The lists above are what the transports register and forward: a member added to an interface
// but not to its list (or the reverse) fails the typecheck here instead of being unreachable.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _apiListed: Same<keyof Api, ApiCall | (typeof API_EVENTS)[number]> = true;
const _desktopListed: Same<Exclude<keyof DesktopApi, keyof Api>, DesktopCall | (typeof DESKTOP_EVENTS)[number]> = true;
