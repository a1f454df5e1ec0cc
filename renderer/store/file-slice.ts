/** Which file the graph came from, whether it has unsaved edits, and whether it came back from the autosave. */

import type { StateCreator } from 'zustand';
import type { Store } from './index';

export interface FileSlice {
  fileName: string | null;
  /** Electron: the path on disk. Browser: null (the handle, if any, lives in files/graph-files). */
  filePath: string | null;
  dirty: boolean;
  /** Set when the canvas was restored from the autosave at start-up, until the note is dismissed. */
  restored: { savedAt: string } | null;
  setFile(file: { name: string | null; path: string | null }): void;
  markSaved(file: { name: string; path: string | null }): void;
  setRestored(r: { savedAt: string } | null): void;
}

export const createFileSlice: StateCreator<Store, [], [], FileSlice> = (set) => ({
  fileName: null,
  filePath: null,
  dirty: false,
  restored: null,
  setFile: (file) => set({ fileName: file.name, filePath: file.path, dirty: false }),
  markSaved: (file) => set({ fileName: file.name, filePath: file.path, dirty: false }),
  setRestored: (restored) => set({ restored }),
});
