/**
 * The document survives a reload, a crash or a restart: every change is sent to the host's
 * autosave (a second after the last edit, and at once when the page goes away), and at start-up
 * the autosave, if there is one, is put back on the canvas with a note saying so. Untitled and
 * saved documents alike; the file they belong to and their unsaved state come back with them.
 */

import type { AutosaveDoc } from '../../shared/api';
import { parseGraph } from '../../shared/graph/parse';
import { host } from '../api/host';
import { emptyDoc } from '../store/graph-slice';
import { useStore, type Store } from '../store/index';

/** Long enough that typing a number is one write, short enough that a crash loses a second of work. */
export const AUTOSAVE_DELAY_MS = 1000;

const docOf = (s: Store): AutosaveDoc => ({ graph: s.graphDoc(), file: s.fileName ? { name: s.fileName, path: s.filePath } : null, dirty: s.dirty });

/** Puts the autosave back on the canvas; true when there was one. A broken one is reported and left alone. */
export async function restoreAutosave(): Promise<boolean> {
  const r = await host().api.loadAutosave();
  const s = useStore.getState();
  if (!r.ok) {
    s.toast('error', r.error.message);
    return false;
  }
  if (!r.value) return false;
  // Checked on the Node side already; the page holds every document to the same parser.
  const { doc } = parseGraph(r.value.graph);
  if (!doc) return false;
  s.loadDoc(doc);
  useStore.setState({ fileName: r.value.file?.name ?? null, filePath: r.value.file?.path ?? null, dirty: r.value.dirty });
  s.setRestored({ savedAt: r.value.savedAt });
  s.requestFit();
  return true;
}

/** The restored document is not wanted: a new, empty graph, and the autosave goes with it. */
export async function discardRestored(): Promise<void> {
  const s = useStore.getState();
  s.loadDoc(emptyDoc());
  s.setFile({ name: null, path: null });
  s.setRestored(null);
  s.requestFit();
  const r = await host().api.discardAutosave();
  if (!r.ok) s.toast('error', r.error.message);
}

/**
 * Sends the document to the autosave whenever the graph, its name or its file changes; returns
 * the stop. `ready` resolves once the restore at start-up is done, so the empty canvas the page
 * starts with never overwrites the autosave it is about to restore.
 */
export function startAutosave(ready: Promise<unknown>): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let started = false;
  let failedOnce = false;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    void host().api.saveAutosave({ doc: docOf(useStore.getState()) }).then((r) => {
      // Said once, not at every edit: the canvas works on, and Save still writes a file.
      if (!r.ok && !failedOnce) useStore.getState().toast('error', r.error.message);
      failedOnce = !r.ok;
    });
  };
  const schedule = () => {
    if (!started) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, AUTOSAVE_DELAY_MS);
  };
  const unsubscribe = useStore.subscribe((s) => [s.nodes, s.edges, s.name, s.fileName, s.dirty] as const, schedule, {
    equalityFn: (a, b) => a.every((v, i) => v === b[i]),
  });
  void ready.finally(() => {
    started = true;
  });
  const onHide = () => {
    if (timer) flush();
  };
  window.addEventListener('pagehide', onHide);
  return () => {
    unsubscribe();
    window.removeEventListener('pagehide', onHide);
    if (timer) clearTimeout(timer);
  };
}
