/**
 * The Api contract between the renderer and the Node side. Two hosts provide it: the Electron
 * preload (contextBridge over ipcRenderer.invoke) and the browser-mode WebSocket client. Calls
 * return values, never throw across the boundary; event streams are `onX` members returning an
 * unsubscribe function.
 */

import type { GraphDoc } from './graph/types';
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

/** Every call the renderer can make. Payloads are validated on the Node side. */
export interface Api {
  info(): Promise<Result<HostInfo>>;
  listBackends(): Promise<Result<BackendInfo[]>>;
  startTraining(req: TrainRequest): Promise<Result<{ runId: string; runDir: string }>>;
  stopTraining(args: { runId: string; mode: 'graceful' | 'kill' }): Promise<Result<{ runId: string }>>;
  listRuns(): Promise<Result<RunSummary[]>>;
  getRun(args: { runId: string }): Promise<Result<MetricsRecord>>;
  /** Native open dialog (Electron); the browser host asks the page instead. null = cancelled. */
  openGraphFile(): Promise<Result<OpenedFile | null>>;
  /** Save to path, or ask for one when path is null. null = cancelled. */
  saveGraphFile(args: { path: string | null; suggestedName: string; graph: GraphDoc }): Promise<Result<{ path: string; name: string } | null>>;
  onTrainingEvent(listener: (e: TrainingEvent) => void): () => void;
  /**
   * Desktop only (the Electron preload provides it; the browser host may leave it out): the page
   * tells the shell whether the document has unsaved changes, so closing the window can ask.
   */
  setDocumentState?(state: DocumentState): Promise<Result<null>>;
  /** Desktop only: native menu items and files opened by the OS (file association, Open Recent). */
  onMenuCommand?(listener: (c: MenuCommand) => void): () => void;
}

export interface DocumentState {
  dirty: boolean;
  /** Shown in the window title, e.g. "lenet.convstudio.json". */
  title: string;
}

/**
 * What a native menu item asks the page to do. `open-file` carries a file the shell already read
 * (Open Recent, a double-clicked .convstudio.json); `save` with `thenClose` comes from the
 * unsaved-changes prompt: after saving, the page reports `dirty: false` and the window closes.
 */
export type MenuCommand =
  | { command: 'new' | 'open' | 'save-as' | 'export' | 'undo' | 'redo' | 'delete' | 'select-all' | 'train-start' | 'train-stop' | 'fit-view' | 'shortcuts' }
  | { command: 'save'; thenClose?: boolean }
  | { command: 'open-file'; file: OpenedFile };

/** Names of the request/response calls, for the IPC table and the socket protocol. */
export const API_CALLS = ['info', 'listBackends', 'startTraining', 'stopTraining', 'listRuns', 'getRun', 'openGraphFile', 'saveGraphFile'] as const;
export type ApiCall = (typeof API_CALLS)[number];
export const API_EVENTS = ['onTrainingEvent'] as const;
/** The optional desktop-only members, provided by the Electron shell on top of API_CALLS. */
export const SHELL_CALLS = ['setDocumentState'] as const;
export const SHELL_EVENTS = ['onMenuCommand'] as const;
