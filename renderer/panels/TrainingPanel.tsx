/** Hyperparameters, Start/Stop, progress with ETA, live curves, backend in use, run history. */

import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { TrainConfig } from '../../shared/training';
import { useStore, type Store } from '../store/index';
import { selectActiveRun, selectBackends, selectConfig, selectHistory, selectOverlayRun, selectOverlayRunId } from '../store/selectors';
import { overlayRun, refreshBackends, refreshHistory, showRun, startTraining, stopTraining } from '../training/controller';
import { ProgressChart } from './ProgressChart';

function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '';
  if (s < 60) return `${Math.round(s)} s left`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s left`;
  return `${(s / 3600).toFixed(1)} h left`;
}

type NumField = { key: keyof TrainConfig; label: string; min: number; max?: number; step?: number; nullable?: string };
const FIELDS: NumField[] = [
  { key: 'epochs', label: 'Epochs', min: 1, max: 1000 },
  { key: 'batchSize', label: 'Batch size', min: 1, max: 8192 },
  { key: 'lr', label: 'Learning rate', min: 0, max: 10, step: 0.001 },
  { key: 'resize', label: 'Resize to (px)', min: 4, max: 512, nullable: '28 (none)' },
  { key: 'limit', label: 'Train subset', min: 1, max: 60000, nullable: 'all 60,000' },
  { key: 'valLimit', label: 'Val subset', min: 1, max: 10000, nullable: 'all 10,000' },
];

const selectGraphOk = (s: Store) => ({ ok: s.analysis.ok, input: s.analysis.inputId ? s.analysis.nodes[s.analysis.inputId]?.shape ?? null : null });

export function TrainingPanel() {
  const config = useStore(selectConfig);
  const backends = useStore(selectBackends);
  const run = useStore(selectActiveRun);
  const overlay = useStore(selectOverlayRun);
  const overlayId = useStore(selectOverlayRunId);
  const history = useStore(selectHistory);
  const { ok, input } = useStore(useShallow(selectGraphOk));
  const running = run?.status === 'running' || run?.status === 'starting';

  useEffect(() => {
    void refreshBackends();
    void refreshHistory();
  }, []);

  const inputSize = input && input.length === 4 ? input[2] : null;
  const resizeHint = inputSize && inputSize !== 28 && config.resize !== inputSize ? `The graph's Input is ${inputSize}×${inputSize}: set Resize to ${inputSize}.` : null;

  return (
    <div className="training" data-testid="training">
      <form className="train-form" onSubmit={(e) => e.preventDefault()}>
        {FIELDS.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`cfg-${f.key}`}>{f.label}</label>
            <input
              id={`cfg-${f.key}`}
              data-testid={`cfg-${f.key}`}
              type="number"
              min={f.min}
              max={f.max}
              step={f.step ?? 1}
              placeholder={f.nullable}
              value={config[f.key] === null ? '' : String(config[f.key])}
              disabled={running}
              onChange={(e) => {
                const v = e.target.value.trim();
                if (v === '' && f.nullable) return useStore.getState().setConfig({ [f.key]: null });
                const n = Number(v);
                if (Number.isFinite(n)) useStore.getState().setConfig({ [f.key]: n });
              }}
            />
          </div>
        ))}
        <div className="field">
          <label htmlFor="cfg-backend">Backend</label>
          <select id="cfg-backend" data-testid="cfg-backend" value={config.backend} disabled={running} onChange={(e) => useStore.getState().setConfig({ backend: e.target.value as TrainConfig['backend'] })}>
            <option value="auto">auto (fastest available)</option>
            {(['native', 'tensorflow', 'wasm', 'cpu'] as const).map((b) => {
              const info = backends.find((x) => x.name === b);
              return (
                <option key={b} value={b} disabled={info ? !info.available : false}>
                  {b}
                  {info ? ` — ${info.available ? info.device : 'unavailable'}` : ''}
                </option>
              );
            })}
          </select>
        </div>
      </form>
      {resizeHint && <p className="warn-text">{resizeHint}</p>}
      <div className="train-buttons">
        <button className="primary" data-testid="train-start" disabled={running || !ok} onClick={() => void startTraining()} title={ok ? 'Train on Fashion-MNIST' : 'Fix the errors first'}>
          Start
        </button>
        <button data-testid="train-stop" disabled={!running} onClick={() => void stopTraining('graceful')} title="Finish the current batch, save a checkpoint, stop">
          Stop
        </button>
      </div>
      {run && (
        <div className="run-status" data-testid="run-status" data-status={run.status}>
          <div className="progress" title={`${Math.round(run.progress * 100)} %`}>
            <div className="progress-bar" data-testid="progress-bar" data-progress={run.progress.toFixed(4)} style={{ width: `${(run.progress * 100).toFixed(1)}%` }} />
          </div>
          <div className="run-line">
            <span>{run.status}</span>
            <span>{Math.round(run.progress * 100)} %</span>
            <span>{run.status === 'running' ? formatEta(run.etaS) : ''}</span>
            <span>{run.samplesPerS ? `${Math.round(run.samplesPerS)} samples/s` : ''}</span>
          </div>
          <div className="run-line muted" data-testid="run-backend">
            {run.backend ? `backend ${run.backend} on ${run.device}` : 'starting the training process…'}
            {run.note ? ` (${run.note})` : ''}
          </div>
          {run.error && <p className="error-text">{run.error}</p>}
        </div>
      )}
      <ProgressChart run={run} overlay={overlay && overlay.runId !== run?.runId ? overlay : null} />
      <h3>Runs</h3>
      {history.length === 0 ? (
        <p className="muted">No runs yet.</p>
      ) : (
        <table className="runs" data-testid="runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th className="num">Ep.</th>
              <th className="num">Val acc</th>
              <th>Overlay</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={h.runId}>
                <td>
                  <button className="link" title={`${h.runDir}\nstarted ${h.startedAt}`} onClick={() => void showRun(h.runId)}>
                    {h.name || h.runId}
                  </button>
                  <span className="muted"> {new Date(h.startedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}</span>
                </td>
                <td>{h.status}</td>
                <td className="num">{h.epochsDone}</td>
                <td className="num">{h.final?.val_acc != null ? h.final.val_acc.toFixed(3) : ''}</td>
                <td>
                  <input type="checkbox" aria-label="overlay this run" checked={overlayId === h.runId} onChange={(e) => void overlayRun(e.target.checked ? h.runId : null)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
