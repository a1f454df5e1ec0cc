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
import type { RunSummary, TrainingEvent, TrainRequest } from './training';

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
 * `abandon` is the page telling that its worker is gone (crashed, or killed on request).
 */
export type WorkerRunOp =
  | { op: 'readConfig' | 'readGraphText' | 'lock' | 'release' | 'repairEvents' | 'readEvents' | 'latestCheckpoint' | 'loadLatestCheckpoint' }
  | { op: 'writeConfig'; config: unknown }
  | { op: 'append'; event: TrainingEvent }
  | { op: 'writeFinal'; final: unknown }
  | { op: 'putWeights'; part: string; first: boolean }
  | { op: 'saveCheckpoint'; model: { modelTopology: unknown; weightSpecs: unknown; format?: string; generatedBy?: string; convertedBy?: string | null }; state: unknown }
  | { op: 'getWeights'; offset: number; length: number }
  | { op: 'abandon'; killed: boolean; reason: string };
export type WorkerRunRequest = { runId: string } & WorkerRunOp;
/** Checkpoint weights travel in parts of at most this many bytes (8 MB as base64, inside a request). */
export const WORKER_WEIGHT_PART_BYTES = 6 * 2 ** 20;
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
  // The Kernel lab (shared/lab/): computed by the engine service, never in the page. A request
  // the shape engine refuses answers "invalid-lab-input" with its diagnostics as details.
  labCorrelate(req: CorrelateRequest): Promise<Result<CorrelateResult>>;
  labConv1x1(req: Conv1x1Request): Promise<Result<Conv1x1Result>>;
  labPool(req: PoolRequest): Promise<Result<PoolResult>>;
  labLearn(req: LearnRequest): Promise<Result<LearnResult>>;
  labFashionImage(req: FashionImageRequest): Promise<Result<FashionImageResult>>;
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
  'labCorrelate', 'labConv1x1', 'labPool', 'labLearn', 'labFashionImage',
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
