/**
 * openGraphFile / saveGraphFile for the desktop host, on native dialogs. The page never names a
 * path it may write to on its own: a save goes silently only to a file the user picked in a
 * dialog or opened in this session (or via Open Recent / the OS); any other path brings the
 * dialog up again, so a compromised page cannot overwrite arbitrary files.
 */

import path from 'node:path';
import { fail, ok, type DesktopApi, type OpenedFile, type Result } from '../../shared/api';
import { parseGraph } from '../../shared/graph/parse';
import { GRAPH_FILE_SUFFIX } from '../../shared/graph/types';
import { writeJsonAtomicAsync } from '../common/atomic';
import { GRAPH_FILE, readTextFile } from '../common/read-file';

const FILTERS = [
  { name: 'ConvStudio graph', extensions: ['json'] },
  { name: 'All files', extensions: ['*'] },
];

/** Electron's dialog functions, bound to the window (injected for tests). */
export interface DialogDeps {
  showOpenDialog(opts: { title: string; properties: string[]; filters: typeof FILTERS }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(opts: { title: string; defaultPath: string; filters: typeof FILTERS }): Promise<{ canceled: boolean; filePath?: string }>;
  /** Folder the dialogs start in the first time (Documents). */
  defaultDir: string;
  /** Called with every file opened or saved (Open Recent). */
  onFileUsed?(file: string): void;
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** "My net/..:x" → "My net-x.convstudio.json": one safe file name with our extension. */
export function graphFileName(suggested: unknown): string {
  const raw = typeof suggested === 'string' ? suggested : '';
  const printable = [...raw].map((ch) => (ch.charCodeAt(0) < 32 ? '-' : ch)).join('');
  let base = path.basename(printable.replace(/\\/g, '/')).replace(/[<>:"/\\|?*]+/g, '-').replace(/^\.+/, '').trim();
  base = base.replace(/\.convstudio\.json$/i, '').replace(/\.json$/i, '').slice(0, 120);
  return `${base || 'untitled'}${GRAPH_FILE_SUFFIX}`;
}

/**
 * Read a graph file for the page (it parses and reports problems itself), through the one guarded
 * loader: a folder, FIFO, device or oversized file is refused before it is read.
 */
export async function readGraphFile(file: string): Promise<Result<OpenedFile>> {
  const read = await readTextFile(file, GRAPH_FILE);
  if (read.ok) return ok({ path: file, name: path.basename(file), text: read.text });
  return fail(read.code === 'not-a-file' || read.code === 'too-large' ? read.code : 'io-error', read.message);
}

export interface FileDialogs extends Pick<DesktopApi, 'openGraphFile' | 'saveGraphFile'> {
  /** Mark a path as chosen by the user outside the dialogs (Open Recent, file association). */
  grant(file: string): void;
}

export function createFileDialogs(deps: DialogDeps): FileDialogs {
  const granted = new Set<string>();
  let lastDir = deps.defaultDir;
  const used = (file: string) => {
    granted.add(path.resolve(file));
    lastDir = path.dirname(file);
    deps.onFileUsed?.(file);
  };

  return {
    grant(file) {
      granted.add(path.resolve(file));
    },

    async openGraphFile() {
      try {
        const r = await deps.showOpenDialog({ title: 'Open graph', properties: ['openFile'], filters: FILTERS });
        if (r.canceled || r.filePaths.length === 0) return ok(null);
        const opened = await readGraphFile(r.filePaths[0]);
        if (opened.ok) used(r.filePaths[0]);
        return opened;
      } catch (e) {
        return fail('dialog-error', `The open dialog failed: ${errorMessage(e)}`);
      }
    },

    async saveGraphFile(args) {
      const a = args as { path?: unknown; suggestedName?: unknown; graph?: unknown } | null;
      if (typeof a !== 'object' || a === null) return fail('bad-request', 'Expected { path, suggestedName, graph }.');
      if (a.path !== null && (typeof a.path !== 'string' || a.path.length === 0 || a.path.includes('\0'))) return fail('bad-request', 'path must be null or a file path.');
      if (typeof a.suggestedName !== 'string') return fail('bad-request', 'suggestedName must be a string.');
      const { doc, diagnostics } = parseGraph(a.graph);
      if (!doc) return fail('invalid-graph', `Not saved: the graph is not a valid convstudio.graph document. ${diagnostics.map((d: { message: string }) => d.message).join(' ')}`, { diagnostics });
      try {
        let target = typeof a.path === 'string' && granted.has(path.resolve(a.path)) ? path.resolve(a.path) : null;
        if (!target) {
          const defaultPath = typeof a.path === 'string' ? a.path : path.join(lastDir, graphFileName(a.suggestedName));
          const r = await deps.showSaveDialog({ title: 'Save graph', defaultPath, filters: FILTERS });
          if (r.canceled || !r.filePath) return ok(null);
          target = r.filePath;
        }
        await writeJsonAtomicAsync(target, doc);
        used(target);
        return ok({ path: target, name: path.basename(target) });
      } catch (e) {
        return fail('io-error', `Could not save the graph: ${errorMessage(e)}`);
      }
    },
  };
}
