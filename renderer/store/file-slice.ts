/** Which file the graph came from and whether it has unsaved edits. */

import type { StateCreator } from 'zustand';
import type { Store } from './index';

export interface FileSlice {
  fileName: string | null;
  /** Electron: the path on disk. Browser: null (the handle, if any, lives in files/graph-files). */
  filePath: string | null;
  dirty: boolean;
  setFile(file: { name: string | null; path: string | null }): void;
  markSaved(file: { name: string; path: string | null }): void;
}

export const createFileSlice: StateCreator<Store, [], [], FileSlice> = (set) => ({
  fileName: null,
  filePath: null,
  dirty: false,
  setFile: (file) => set({ fileName: file.name, filePath: file.path, dirty: false }),
  markSaved: (file) => set({ fileName: file.name, filePath: file.path, dirty: false }),
});
