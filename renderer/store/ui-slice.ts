/** Panels, overlays and messages: view state only, never graph data. */

import type { StateCreator } from 'zustand';
import type { Diagnostic } from '../../shared/graph/types';
import type { Store } from './index';

export type SidebarTab = 'inspect' | 'summary' | 'train';
/** The window's views: the network canvas, the Kernel lab beside it, and Insight into a trained run. */
export type View = 'canvas' | 'lab' | 'insight';

/** What the export dialog starts on: the canvas's graph, or one run's weights. */
export type ExportTarget = { kind: 'canvas' } | { kind: 'run'; runId: string };

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export interface UiSlice {
  view: View;
  tab: SidebarTab;
  helpOpen: boolean;
  toasts: Toast[];
  /** A file that could not be opened, with the reasons, shown instead of failing silently. */
  openProblem: { name: string; diagnostics: Diagnostic[] } | null;
  /** Bumped to ask the canvas to fit the graph in view (after Open, templates, layout). */
  fitRequest: number;
  /** The export dialog, open on this target; null when closed. */
  exportTarget: ExportTarget | null;
  requestFit(): void;
  setView(view: View): void;
  setTab(tab: SidebarTab): void;
  setHelpOpen(open: boolean): void;
  toast(kind: Toast['kind'], text: string): void;
  dismissToast(id: number): void;
  setOpenProblem(p: UiSlice['openProblem']): void;
  setExportTarget(t: ExportTarget | null): void;
}

let nextToast = 1;

export const createUiSlice: StateCreator<Store, [], [], UiSlice> = (set, get) => ({
  view: 'canvas',
  tab: 'inspect',
  helpOpen: false,
  toasts: [],
  openProblem: null,
  fitRequest: 0,
  exportTarget: null,
  requestFit: () => set({ fitRequest: get().fitRequest + 1 }),
  setView: (view) => set({ view }),
  setTab: (tab) => set({ tab }),
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  toast(kind, text) {
    const id = nextToast++;
    set({ toasts: [...get().toasts.slice(-3), { id, kind, text }] });
    setTimeout(() => get().dismissToast(id), kind === 'error' ? 8000 : 4000);
  },
  dismissToast: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
  setOpenProblem: (openProblem) => set({ openProblem }),
  setExportTarget: (exportTarget) => set({ exportTarget }),
});
