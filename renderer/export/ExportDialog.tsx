/**
 * The export dialog: what to export (the canvas, or a run at one of its saved epochs) and to
 * what (a PyTorch folder or an ONNX model). A refusal (an invalid graph, an epoch the run no
 * longer keeps) is shown in the dialog, which stays open so the choice can be changed.
 */

import { useEffect, useState } from 'react';
import type { ExportFormat } from '../../shared/api';
import { useStore } from '../store/index';
import { selectExportTarget, selectHistory } from '../store/selectors';
import type { ExportTarget } from '../store/ui-slice';
import { exportEpochs, exportRequest, runExport } from './export-command';

const FORMATS: { id: Exclude<ExportFormat, 'graph'>; label: string; about: string }[] = [
  { id: 'pytorch', label: 'PyTorch', about: 'model.py (d2l style), train.py (runs under torchrun/DDP), README.md; a run adds weights.safetensors' },
  { id: 'onnx', label: 'ONNX', about: 'model.onnx (opset 13, NCHW): for onnxruntime, Netron and other tools' },
];

const NEWEST = 'newest';

const targetKey = (t: ExportTarget): string => (t.kind === 'canvas' ? 'canvas' : `run:${t.runId}`);
const targetOf = (key: string): ExportTarget => (key === 'canvas' ? { kind: 'canvas' } : { kind: 'run', runId: key.slice(4) });

function epochLabel(e: number): string {
  return e === 0 ? 'epoch 0 (the initial weights)' : `epoch ${e}`;
}

export function ExportDialog() {
  const opened = useStore(selectExportTarget);
  if (!opened) return null;
  // Keyed by the target it opened on, so each opening starts from that target.
  return <ExportForm key={targetKey(opened)} opened={opened} />;
}

function ExportForm({ opened }: { opened: ExportTarget }) {
  const history = useStore(selectHistory);
  const graphName = useStore((s) => s.name);
  const [target, setTarget] = useState(opened);
  const [format, setFormat] = useState<Exclude<ExportFormat, 'graph'>>('pytorch');
  const [epochs, setEpochs] = useState<number[] | null>(null);
  const [epoch, setEpoch] = useState(NEWEST);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => useStore.getState().setExportTarget(null);

  useEffect(() => {
    if (target.kind !== 'run') return;
    let live = true;
    void exportEpochs(target.runId).then((r) => {
      if (!live) return;
      if (r.ok) setEpochs(r.value);
      else setError(r.error.message);
    });
    return () => {
      live = false;
    };
  }, [target]);

  const choose = (key: string) => {
    setTarget(targetOf(key));
    setEpochs(null);
    setEpoch(NEWEST);
    setError(null);
  };

  const go = async () => {
    setBusy(true);
    setError(null);
    const r = await runExport(exportRequest(target, format, epoch === NEWEST ? null : Number(epoch)));
    setBusy(false);
    if (!r.ok) setError(r.error.message);
  };

  const trained = epochs ? epochs.filter((e) => e > 0) : [];
  return (
    <div className="overlay" data-testid="export-dialog" onClick={close}>
      <div className="dialog export-dialog" onClick={(e) => e.stopPropagation()} role="dialog" aria-label="Export">
        <h2>Export</h2>
        <div className="field">
          <label htmlFor="export-source">Network</label>
          <select id="export-source" data-testid="export-source" value={targetKey(target)} disabled={busy} onChange={(e) => choose(e.target.value)}>
            <option value="canvas">The canvas: {graphName || 'Untitled'} (untrained)</option>
            {history.map((h) => (
              <option key={h.runId} value={`run:${h.runId}`}>
                Run {h.name || h.runId}, {new Date(h.startedAt).toLocaleString()} ({h.status}, {h.epochsDone} epoch{h.epochsDone === 1 ? '' : 's'})
              </option>
            ))}
          </select>
          <span className="field-help">
            {target.kind === 'canvas'
              ? 'The graph as drawn. PyTorch gets no weights file (train.py trains from scratch); ONNX gets ConvStudio’s initial weights.'
              : 'The network the run trained, with its weights.'}
          </span>
        </div>
        {target.kind === 'run' && (
          <div className="field">
            <label htmlFor="export-epoch">Weights</label>
            <select id="export-epoch" data-testid="export-epoch" value={epoch} disabled={busy || !epochs} onChange={(e) => setEpoch(e.target.value)}>
              <option value={NEWEST}>{trained.length ? `the newest checkpoint (epoch ${trained[trained.length - 1]})` : 'the newest checkpoint'}</option>
              {(epochs ?? []).slice().reverse().map((e) => <option key={e} value={String(e)}>{epochLabel(e)}</option>)}
            </select>
            {epochs && trained.length === 0 && <span className="field-help">No checkpoint yet: only the initial weights (epoch 0) can be exported.</span>}
          </div>
        )}
        <fieldset className="export-formats">
          <legend>Format</legend>
          {FORMATS.map((f) => (
            <label key={f.id} className="export-format">
              <input type="radio" name="export-format" value={f.id} data-testid={`export-format-${f.id}`} checked={format === f.id} disabled={busy} onChange={() => setFormat(f.id)} />
              <span>
                <strong>{f.label}</strong> <span className="muted">{f.about}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {error && <p className="error-text" data-testid="export-error">{error}</p>}
        <div className="dialog-buttons">
          <button onClick={close} disabled={busy}>Cancel</button>
          <button className="primary" data-testid="export-go" disabled={busy} onClick={() => void go()}>
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </div>
    </div>
  );
}
