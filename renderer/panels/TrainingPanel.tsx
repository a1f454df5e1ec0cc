/** Hyperparameters, Start/Stop, progress with ETA, live curves, backend in use, run history. */

import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BackendInfo } from '../../shared/api';
import { SETTINGS, type ChoiceSpec, type SettingKey, type SettingSpec, type TrainConfig } from '../../shared/training/settings';
import { useStore, type Store } from '../store/index';
import { selectActiveRun, selectBackends, selectConfig, selectHistory, selectOverlayRun, selectOverlayRunId } from '../store/selectors';
import { overlayRun, refreshBackends, refreshHistory, showRun, startTraining, stopTraining } from '../training/controller';
import { openExport } from '../export/export-command';
import { GpuCheck } from './GpuCheck';
import { ProgressChart } from './ProgressChart';
import { PANEL_SETTINGS, fieldTitle, fieldValue, numberFieldAttributes } from './setting-fields';

function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '';
  if (s < 60) return `${Math.round(s)} s left`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s left`;
  return `${(s / 3600).toFixed(1)} h left`;
}

/** A choice's option text and whether it can be picked; the backend's say what is installed. */
function choiceOption(key: SettingKey, spec: ChoiceSpec, choice: string, backends: BackendInfo[]): { text: string; disabled: boolean } {
  const text = spec.choiceLabels?.[choice] ?? choice;
  const info = key === 'backend' ? backends.find((x) => x.name === choice) : undefined;
  if (!info) return { text, disabled: false };
  return { text: `${text} — ${info.available ? info.device : 'unavailable'}`, disabled: !info.available };
}

function SettingField({ name, config, backends, disabled }: { name: SettingKey; config: TrainConfig; backends: BackendInfo[]; disabled: boolean }) {
  // Widened to every kind of setting, so a new kind (a checkbox for a boolean) is one more case.
  const spec = SETTINGS[name] as SettingSpec;
  const value: unknown = config[name];
  const id = `cfg-${name}`;
  const set = (text: string) => {
    const v = fieldValue(spec, text);
    if (v !== undefined) useStore.getState().setConfig({ [name]: v } as Partial<TrainConfig>);
  };
  let input;
  switch (spec.kind) {
    case 'int':
    case 'number':
      input = <input id={id} data-testid={id} {...numberFieldAttributes(spec)} value={value === null ? '' : String(value)} disabled={disabled} onChange={(e) => set(e.target.value)} />;
      break;
    case 'choice':
      input = (
        <select id={id} data-testid={id} title={fieldTitle(spec)} value={String(value)} disabled={disabled} onChange={(e) => set(e.target.value)}>
          {spec.choices.map((c) => {
            const o = choiceOption(name, spec, c, backends);
            return <option key={c} value={c} disabled={o.disabled}>{o.text}</option>;
          })}
        </select>
      );
      break;
    case 'boolean':
      input = <input id={id} data-testid={id} type="checkbox" title={fieldTitle(spec)} checked={value === true} disabled={disabled} onChange={(e) => set(String(e.target.checked))} />;
      break;
    case 'path':
      input = <input id={id} data-testid={id} type="text" title={fieldTitle(spec)} placeholder={spec.nullMeans} value={value === null ? '' : String(value)} disabled={disabled} onChange={(e) => set(e.target.value)} />;
      break;
  }
  return (
    <div className="field">
      <label htmlFor={id} title={fieldTitle(spec)}>{spec.label}</label>
      {input}
    </div>
  );
}

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
        {PANEL_SETTINGS.map((k) => <SettingField key={k} name={k} config={config} backends={backends} disabled={running} />)}
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
      <GpuCheck />
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
              <th />
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
                <td>
                  <button className="link" data-testid="run-insight" title="See what this run's network learned: confusion matrix, mistakes, activations, filters" onClick={() => useStore.getState().openInsight(h.runId)}>
                    Insight
                  </button>{' '}
                  <button className="link" data-testid="run-export" title="Export this run's network and weights to PyTorch or ONNX" onClick={() => openExport({ kind: 'run', runId: h.runId })}>
                    Export
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
