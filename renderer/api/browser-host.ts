/**
 * The browser host (`npm run serve`): the Api over the server's WebSocket, and files the way a web
 * page can reach them — the File System Access API where the browser has it (Save writes back to
 * the file that was opened), otherwise an <input type=file> upload and a download. Leaving with
 * unsaved changes is guarded by beforeunload. An export arrives as one zip download.
 */

import { fail, ok, type OpenedFile, type Result } from '../../shared/api';
import { MAX_GRAPH_BYTES } from '../../shared/graph/parse';
import type { GraphFile, Host, SaveRequest } from './host';
import { socketApi, takeToken } from './socket-host';

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

const graphText = (req: SaveRequest) => `${JSON.stringify(req.graph, null, 2)}\n`;
const isAbort = (e: unknown) => (e as { name?: string } | null)?.name === 'AbortError';
const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The file's text, unless it is over the one graph size limit: then it is refused before being read. */
async function graphFileText(file: File): Promise<Result<string>> {
  if (file.size > MAX_GRAPH_BYTES) {
    return fail('too-large', `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; a graph file is at most ${MAX_GRAPH_BYTES / 1048576} MB. Is this the right file?`);
  }
  return ok(await file.text());
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

function download(name: string, data: BlobPart, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function browserHost(): Host {
  const w = window as PickerWindow;
  /**
   * File handles by the key that stands for them in the store's `path`: a handle cannot be put
   * in the store, and a key ties Save to the file the document really came from (an open that
   * failed to parse leaves the store, and so Save, on the previous file).
   */
  const handles = new Map<string, FsHandle>();
  const keyOf = (h: FsHandle): string => {
    for (const [k, v] of handles) if (v === h) return k;
    const k = `file-handle:${handles.size + 1}`;
    handles.set(k, h);
    return k;
  };

  const api = socketApi(takeToken());
  return {
    api,

    async openGraphFile(): Promise<Result<OpenedFile | null>> {
      try {
        if (w.showOpenFilePicker) {
          const [h] = await w.showOpenFilePicker({ types: pickerTypes });
          const file = await h.getFile();
          const text = await graphFileText(file);
          return text.ok ? ok({ name: file.name, path: keyOf(h), text: text.value }) : text;
        }
        const file = await uploadFile();
        if (!file) return ok(null);
        const text = await graphFileText(file);
        return text.ok ? ok({ name: file.name, path: null, text: text.value }) : text;
      } catch (e) {
        return isAbort(e) ? ok(null) : fail('io-error', `Could not open the file: ${errorMessage(e)}`);
      }
    },

    async saveGraphFile(req): Promise<Result<GraphFile | null>> {
      try {
        if (w.showSaveFilePicker) {
          const known = !req.saveAs && req.current?.path ? handles.get(req.current.path) : undefined;
          const h = known ?? (await w.showSaveFilePicker({ suggestedName: req.suggestedName, types: pickerTypes }));
          const out = await h.createWritable();
          await out.write(graphText(req));
          await out.close();
          return ok({ name: h.name, path: keyOf(h) });
        }
        // No file system access: a download. The browser decides where it lands.
        download(req.suggestedName, graphText(req));
        return ok({ name: req.suggestedName, path: null });
      } catch (e) {
        return isAbort(e) ? ok(null) : fail('io-error', `Could not save: ${errorMessage(e)}`);
      }
    },

    // One zip, not a burst of downloads the browser would ask about one by one.
    async exportModel(req) {
      const r = await api.exportModel(req);
      if (!r.ok) return r;
      const { zip, ...summary } = r.value;
      const where = `${summary.folder}.zip`;
      download(where, Uint8Array.from(atob(zip), (c) => c.charCodeAt(0)), 'application/zip');
      return ok({ ...summary, where });
    },

    confirm: (question) => window.confirm(question),

    guardUnsavedChanges(watch) {
      let dirty = false;
      const stop = watch((state) => {
        dirty = state.dirty;
      });
      const guard = (e: BeforeUnloadEvent) => {
        if (!dirty) return;
        e.preventDefault();
        e.returnValue = '';
      };
      window.addEventListener('beforeunload', guard);
      return () => {
        stop();
        window.removeEventListener('beforeunload', guard);
      };
    },

    // Browser mode has no native menu.
    onMenuCommand: () => () => {},
  };
}
