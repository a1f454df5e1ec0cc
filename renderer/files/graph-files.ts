/**
 * New / Open / Save / Save As in the convstudio.graph format, the same in every host: the host
 * (renderer/api/) asks the user and reads or writes the file. Every opened file goes through the
 * same parseGraph as the Node side; a bad one shows its diagnostics and leaves the canvas alone.
 */

import type { DocumentState, OpenedFile } from '../../shared/api';
import { parseGraph } from '../../shared/graph/parse';
import { GRAPH_FILE_SUFFIX } from '../../shared/graph/types';
import { host } from '../api/host';
import { useStore, type Store } from '../store/index';
import { emptyDoc } from '../store/graph-slice';

function confirmDiscard(): boolean {
  return !useStore.getState().dirty || host().confirm('The graph has unsaved changes. Discard them?');
}

export function newGraph(): void {
  if (!confirmDiscard()) return;
  useStore.getState().loadDoc(emptyDoc());
  useStore.getState().setFile({ name: null, path: null });
  useStore.getState().requestFit();
}

/** Loads text as a graph, or shows why it cannot be loaded. */
function openText(name: string, path: string | null, text: string): boolean {
  const { doc, diagnostics } = parseGraph(text);
  const s = useStore.getState();
  if (!doc) {
    s.setOpenProblem({ name, diagnostics });
    return false;
  }
  s.loadDoc(doc);
  s.setFile({ name, path });
  s.requestFit();
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length) s.toast('info', `Opened ${name} with ${warnings.length} warning(s): ${warnings[0].message}`);
  return true;
}

export async function openGraph(): Promise<void> {
  if (!confirmDiscard()) return;
  const r = await host().openGraphFile();
  if (!r.ok) return useStore.getState().toast('error', r.error.message);
  if (r.value) openText(r.value.name, r.value.path, r.value.text);
}

/** A file the host opened on its own (the desktop's Open Recent, a double-clicked file). */
export function openHandedFile(file: OpenedFile): void {
  if (confirmDiscard()) openText(file.name, file.path, file.text);
}

function suggestedName(): string {
  const s = useStore.getState();
  if (s.fileName) return s.fileName;
  return `${(s.name || 'untitled').replace(/[^A-Za-z0-9._-]+/g, '-')}${GRAPH_FILE_SUFFIX}`;
}

/** True when the graph was written; false when cancelled or failed (the reason is shown). */
export async function saveGraph(saveAs = false): Promise<boolean> {
  const s = useStore.getState();
  const current = s.fileName ? { name: s.fileName, path: s.filePath } : null;
  const r = await host().saveGraphFile({ graph: s.graphDoc(), current, saveAs, suggestedName: suggestedName() });
  if (!r.ok) {
    useStore.getState().toast('error', r.error.message);
    return false;
  }
  if (r.value) useStore.getState().markSaved(r.value);
  return r.value !== null;
}

const docState = (s: Store): DocumentState => ({ dirty: s.dirty, title: s.fileName ?? s.name });
const sameDocState = (a: DocumentState, b: DocumentState) => a.dirty === b.dirty && a.title === b.title;

/** Keeps the host's unload guard told whether there are unsaved changes; returns the stop. */
export function guardUnsavedChanges(): () => void {
  return host().guardUnsavedChanges((listener) => useStore.subscribe(docState, listener, { equalityFn: sameDocState, fireImmediately: true }));
}
