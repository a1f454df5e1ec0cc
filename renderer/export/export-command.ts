/**
 * File → Export, the toolbar's Export… and a run's Export button: they open the dialog on a
 * target; the dialog's Export asks the host (a folder on the desktop, a zip in the browser) and
 * says what was written where, or why nothing was.
 */

import type { ExportFormat, ExportRequest, Result } from '../../shared/api';
import { host, type ExportDone } from '../api/host';
import { useStore } from '../store/index';
import type { ExportTarget } from '../store/ui-slice';
import { refreshHistory } from '../training/controller';

export function openExport(target: ExportTarget = { kind: 'canvas' }): void {
  useStore.getState().setExportTarget(target);
  // The dialog lists the runs: make the list current (a run may have finished since).
  void refreshHistory();
}

/** Where the weights come from: null is the run's newest checkpoint. */
export function exportRequest(target: ExportTarget, format: ExportFormat, epoch: number | null): ExportRequest {
  return target.kind === 'canvas' ? { format, graph: useStore.getState().graphDoc() } : { format, runId: target.runId, epoch };
}

export async function exportEpochs(runId: string): Promise<Result<number[]>> {
  return host().api.exportEpochs({ runId });
}

/** Runs the export; true when files were written (then the dialog closes and a toast says where). */
export async function runExport(req: ExportRequest): Promise<Result<ExportDone | null>> {
  const r = await host().exportModel(req);
  if (r.ok && r.value) {
    const s = useStore.getState();
    s.setExportTarget(null);
    s.toast('info', `Exported ${r.value.files.map((f) => f.name).join(', ')} to ${r.value.where}.`);
  }
  return r;
}
