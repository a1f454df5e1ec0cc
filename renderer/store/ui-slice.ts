/** Panels, overlays and messages: view state only, never graph data. */

import type { StateCreator } from 'zustand';
import type { Diagnostic } from '../../shared/graph/types';
import type { Store } from './index';

export type SidebarTab = 'inspect' | 'summary' | 'train';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export interface UiSlice {
  tab: SidebarTab;
  helpOpen: boolean;
  toasts: Toast[];
  /** A file that could not be opened, with the reasons, shown instead of failing silently. */
  openProblem: { name: string; diagnostics: Diagnostic[] } | null;
  setTab(tab: SidebarTab): void;
  setHelpOpen(open: boolean): void;
  toast(kind: Toast['kind'], text: string): void;
  dismissToast(id: number): void;
  setOpenProblem(p: UiSlice['openProblem']): void;
}

let nextToast = 1;

export const createUiSlice: StateCreator<Store, [], [], UiSlice> = (set, get) => ({
  tab: 'inspect',
  helpOpen: false,
  toasts: [],
  openProblem: null,
  setTab: (tab) => set({ tab }),
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  toast(kind, text) {
    const id = nextToast++;
    set({ toasts: [...get().toasts.slice(-3), { id, kind, text }] });
    setTimeout(() => get().dismissToast(id), kind === 'error' ? 8000 : 4000);
  },
  dismissToast: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
  setOpenProblem: (openProblem) => set({ openProblem }),
});
