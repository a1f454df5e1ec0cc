/** Selectors defined once at module level, so components subscribe to narrow, stable slices. */

import type { Store } from './index';

export const selectNodes = (s: Store) => s.nodes;
export const selectEdges = (s: Store) => s.edges;
export const selectOnNodesChange = (s: Store) => s.onNodesChange;
export const selectOnEdgesChange = (s: Store) => s.onEdgesChange;
export const selectTab = (s: Store) => s.tab;
export const selectView = (s: Store) => s.view;
export const selectHelpOpen = (s: Store) => s.helpOpen;
export const selectToasts = (s: Store) => s.toasts;
export const selectOpenProblem = (s: Store) => s.openProblem;
export const selectExportTarget = (s: Store) => s.exportTarget;
export const selectCanUndo = (s: Store) => s.past.length > 0;
export const selectCanRedo = (s: Store) => s.future.length > 0;
export const selectTitle = (s: Store) => ({ name: s.fileName ?? s.name, dirty: s.dirty });
export const selectConfig = (s: Store) => s.config;
export const selectBackends = (s: Store) => s.backends;
export const selectHistory = (s: Store) => s.history;
export const selectActiveRunId = (s: Store) => s.activeRunId;
export const selectActiveRun = (s: Store) => (s.activeRunId ? s.runs[s.activeRunId] ?? null : null);
export const selectOverlayRunIds = (s: Store) => s.overlayRunIds;
export const selectRuns = (s: Store) => s.runs;
export const selectRunGraphs = (s: Store) => s.runGraphs;
export const selectBookReference = (s: Store) => s.bookReference;
export const selectRestored = (s: Store) => s.restored;
/** The one selected node's id, or null when none or several are selected. */
export const selectSelectedId = (s: Store) => {
  let found: string | null = null;
  for (const n of s.nodes) {
    if (!n.selected) continue;
    if (found) return null;
    found = n.id;
  }
  return found;
};
export const selectSelectedCount = (s: Store) => s.nodes.reduce((k, n) => k + (n.selected ? 1 : 0), 0);
