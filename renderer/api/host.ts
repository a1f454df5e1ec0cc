/**
 * What the page needs from wherever it runs, in Netron's pattern: a host owns everything that
 * differs between the desktop app and browser mode — the Api's transport, how a graph file is
 * opened and saved, how leaving with unsaved changes is guarded, the desktop menu — so the rest
 * of the renderer never asks which host it is in. main.tsx picks the host at start-up; modules
 * ask for it with host().
 */

import type { Api, DocumentState, ExportRequest, ExportSummary, MenuCommand, OpenedFile, Result } from '../../shared/api';
import type { GraphDoc } from '../../shared/graph/types';

/** The document's file as the store keeps it: its name, and its path where the host has one. */
export interface GraphFile {
  name: string;
  /** Desktop: the path on disk. Browser: null (a browser host keeps its file handle itself). */
  path: string | null;
}

export interface SaveRequest {
  graph: GraphDoc;
  /** The file the document came from or was last saved to; null for a new document. */
  current: GraphFile | null;
  /** Ask where even when there is a current file. */
  saveAs: boolean;
  /** The name offered when the host asks where to save. */
  suggestedName: string;
}

/** An export the host has put somewhere: the files, and where the user finds them. */
export interface ExportDone extends ExportSummary {
  /** Desktop: the folder written. Browser: the zip's file name (the browser picks its folder). */
  where: string;
}

export interface Host {
  /** The Node side: training, runs, backends. */
  readonly api: Api;
  /** Asks the user for a graph file and reads it; ok(null) when they cancel. */
  openGraphFile(): Promise<Result<OpenedFile | null>>;
  /** Writes the graph to the current file, or asks where; ok(null) when they cancel. */
  saveGraphFile(req: SaveRequest): Promise<Result<GraphFile | null>>;
  /**
   * Exports to PyTorch or ONNX: the desktop asks for a folder and writes there, the browser
   * downloads one zip; ok(null) when they cancel.
   */
  exportModel(req: ExportRequest): Promise<Result<ExportDone | null>>;
  /** Asks a yes/no question (discarding unsaved changes). */
  confirm(question: string): boolean;
  /**
   * Guards leaving while there are unsaved changes. `watch` subscribes to the document state
   * (and reports the current one at once); the returned function stops guarding.
   */
  guardUnsavedChanges(watch: (listener: (state: DocumentState) => void) => () => void): () => void;
  /** Desktop menu items and files the OS hands over; a host without a menu never calls. */
  onMenuCommand(listener: (c: MenuCommand) => void): () => void;
}

let current: Host | null = null;

export function setHost(h: Host): void {
  current = h;
}

export function host(): Host {
  if (!current) throw new Error('The host is chosen in main.tsx before the app renders.');
  return current;
}
