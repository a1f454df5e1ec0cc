/**
 * New / Open / Save / Save As in the convstudio.graph format. Electron: native dialogs through
 * the Api. Browser: the File System Access API where the browser has it (Save writes back to the
 * same file), otherwise an <input type=file> upload and a download. Every opened file goes through
 * the same parseGraph as the Node side; a bad one shows its diagnostics and leaves the canvas alone.
 */

import { parseGraph } from '../../shared/graph/parse';
import type { GraphDoc } from '../../shared/graph/types';
import { host } from '../api/host';
import { useStore } from '../store/index';
import { emptyDoc } from '../store/graph-slice';

export const FILE_SUFFIX = '.convstudio.json';

interface FsHandle {
  name: string;
  getFile(): Promise<File>;
  createWritable(): Promise<{ write(data: string): Promise<void>; close(): Promise<void> }>;
}
type PickerWindow = Window & {
  showOpenFilePicker?: (o: unknown) => Promise<FsHandle[]>;
  showSaveFilePicker?: (o: unknown) => Promise<FsHandle>;
};
const pickerTypes = [{ description: 'ConvStudio graph', accept: { 'application/json': ['.json'] } }];

/** The browser file handle of the open document (not serialisable, so not in the store). */
let handle: FsHandle | null = null;

function confirmDiscard(): boolean {
  return !useStore.getState().dirty || window.confirm('The graph has unsaved changes. Discard them?');
}

export function newGraph(): void {
  if (!confirmDiscard()) return;
  handle = null;
  useStore.getState().loadDoc(emptyDoc());
  useStore.getState().setFile({ name: null, path: null });
  useStore.getState().requestFit();
}

/** Loads text as a graph, or shows why it cannot be loaded. */
export function openText(name: string, path: string | null, text: string): boolean {
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

function uploadFile(): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.json,application/json';
    input.dataset.testid = 'open-input';
    input.style.display = 'none';
    input.addEventListener('change', () => {
      resolve(input.files?.[0] ?? null);
      input.remove();
    });
    input.addEventListener('cancel', () => {
      resolve(null);
      input.remove();
    });
    document.body.append(input);
    input.click();
  });
}

export async function openGraph(): Promise<void> {
  if (!confirmDiscard()) return;
  const { kind, api } = host();
  try {
    if (kind === 'electron') {
      const r = await api.openGraphFile();
      if (!r.ok) return useStore.getState().toast('error', r.error.message);
      if (r.value) openText(r.value.name, r.value.path, r.value.text);
      return;
    }
    const w = window as PickerWindow;
    if (w.showOpenFilePicker) {
      const [h] = await w.showOpenFilePicker({ types: pickerTypes });
      const file = await h.getFile();
      if (openText(file.name, null, await file.text())) handle = h;
      return;
    }
    const file = await uploadFile();
    if (file) {
      handle = null;
      openText(file.name, null, await file.text());
    }
  } catch (e) {
    if ((e as { name?: string }).name === 'AbortError') return;
    useStore.getState().toast('error', `Could not open the file: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const textOf = (doc: GraphDoc) => `${JSON.stringify(doc, null, 2)}\n`;

function suggestedName(): string {
  const s = useStore.getState();
  if (s.fileName) return s.fileName;
  return `${(s.name || 'untitled').replace(/[^A-Za-z0-9._-]+/g, '-')}${FILE_SUFFIX}`;
}

export async function saveGraph(saveAs = false): Promise<boolean> {
  const s = useStore.getState();
  const doc = s.graphDoc();
  const { kind, api } = host();
  try {
    if (kind === 'electron') {
      const r = await api.saveGraphFile({ path: saveAs ? null : s.filePath, suggestedName: suggestedName(), graph: doc });
      if (!r.ok) {
        s.toast('error', r.error.message);
        return false;
      }
      if (r.value) s.markSaved({ name: r.value.name, path: r.value.path });
      return r.value !== null;
    }
    const w = window as PickerWindow;
    if (w.showSaveFilePicker) {
      if (!handle || saveAs) handle = await w.showSaveFilePicker({ suggestedName: suggestedName(), types: pickerTypes });
      const out = await handle.createWritable();
      await out.write(textOf(doc));
      await out.close();
      s.markSaved({ name: handle.name, path: null });
      return true;
    }
    // No file system access: download. The browser decides where it lands.
    const name = suggestedName();
    const url = URL.createObjectURL(new Blob([textOf(doc)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    s.markSaved({ name, path: null });
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === 'AbortError') return false;
    s.toast('error', `Could not save: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}
