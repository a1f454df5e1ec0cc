/**
 * Hyperparameters, Start/Stop, the shown run (its own settings, whole-run progress with time left,
 * backend, hints), live curves with other runs beside it, and the history of runs.
 */

import { useEffect, useMemo } from 'react';
import type { BackendInfo } from '../../shared/api';
import { SETTINGS, settingInapplicable, type ChoiceSpec, type SettingKey, type SettingSpec, type TrainConfig } from '../../shared/training/settings';
import { useStore, type Store } from '../store/index';
import { selectActiveRun, selectBackends, selectBookReference, selectConfig, selectHistory, selectOverlayRunIds, selectRunGraphs, selectRuns } from '../store/selectors';
import { isLive, type RunData } from '../store/training-slice';
import { refreshBackends, refreshHistory, reopenRun, startTraining, stopTraining } from '../training/controller';
import { bookFigureFor } from '../runs/book-reference';
import { networkFingerprint } from '../runs/fingerprint';
import { toDoc } from '../model/graph-model';
import { RunHistory } from '../runs/RunHistory';
import { Estimate } from '../estimate/Estimate';
import { FieldProblem, StartReason, useStartGate } from '../estimate/StartGate';
import { plateauHint, settingsText } from '../runs/run-text';
import { GpuCheck } from './GpuCheck';
import { ProgressChart, type ChartRun } from './ProgressChart';
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

function SettingField({ name, config, backends, disabled: locked }: { name: SettingKey; config: TrainConfig; backends: BackendInfo[]; disabled: boolean }) {
  // Widened to every kind of setting, so a new kind (a checkbox for a boolean) is one more case.
  const spec = SETTINGS[name] as SettingSpec;
  // Greyed where another setting makes it meaningless (momentum under Adam); Start sends its default.
  const only = settingInapplicable(name, config);
  const disabled = locked || only !== null;
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
      <label htmlFor={id} title={fieldTitle(spec)}>{spec.label}{only && <span className="field-only" data-testid={`${id}-only`}> ({only})</span>}</label>
      {input}
      {!only && <FieldProblem name={name} />}
    </div>
  );
}

const selectCanvasNodes = (s: Store) => s.nodes;
const selectCanvasEdges = (s: Store) => s.edges;
const selectCanvasName = (s: Store) => s.name;

const STATUS_TEXT: Record<RunData['status'], string> = {
  queued: 'waiting for a training slot', starting: 'starting', running: 'running', stopping: 'stopping…', done: 'done', stopped: 'stopped', failed: 'failed',
};

/** "epoch 2 of 10 · 37 % of the run · 2 min 5 s left": the whole run, never just the current epoch. */
function progressText(run: RunData): string {
  const total = run.epochs;
  if (!total) return '';
  const x = run.progress * total;
  const epoch = run.status === 'done' ? total : Math.min(total, Math.floor(x + 1e-9) + 1);
  const parts = [`epoch ${epoch} of ${total}`, `${Math.round(run.progress * 100)} % of the run`];
  if (run.status === 'running' || run.status === 'stopping') parts.push(formatEta(run.etaS));
  return parts.filter(Boolean).join(' · ');
}

/** What the backend line says before (or without) the run's 'start' event. */
function backendLine(run: RunData): string {
  if (run.backend) return `backend ${run.backend} on ${run.device}${run.note ? ` (${run.note})` : ''}`;
  switch (run.status) {
    case 'queued': return `waiting for a training slot${run.queuePosition ? ` (next but ${run.queuePosition - 1})` : ''}…`;
    case 'starting': case 'running': case 'stopping': return 'starting the training process…';
    case 'done': case 'stopped': case 'failed': return 'no backend recorded (the run ended before training began)';
  }
}

/** The canvas's network fingerprint, recomputed when the graph changes, not at every training event. */
function useCanvasDoc() {
  const nodes = useStore(selectCanvasNodes);
  const edges = useStore(selectCanvasEdges);
  const name = useStore(selectCanvasName);
  return useMemo(() => {
    const doc = toDoc(nodes, edges, name);
    return { doc, print: networkFingerprint(doc) };
  }, [nodes, edges, name]);
}

export function TrainingPanel() {
  const config = useStore(selectConfig);
  const backends = useStore(selectBackends);
  const run = useStore(selectActiveRun);
  const runs = useStore(selectRuns);
  const overlayIds = useStore(selectOverlayRunIds);
  const runGraphs = useStore(selectRunGraphs);
  const history = useStore(selectHistory);
  const book = useStore(selectBookReference);
  const gate = useStartGate();
  const canvas = useCanvasDoc();
  const running = run ? isLive(run.status) : false;

  useEffect(() => {
    void refreshBackends();
    void refreshHistory();
  }, []);


  const summary = (id: string) => history.find((h) => h.runId === id);
  const chartRun = (r: RunData): ChartRun => {
    const h = summary(r.runId);
    return { run: r, name: h?.name ?? r.runId, settings: h ? settingsText(h.config, r.backend ?? h.backend) : '' };
  };
  const chartRuns: ChartRun[] = [...(run ? [chartRun(run)] : []), ...overlayIds.filter((id) => runs[id] && id !== run?.runId).map((id) => chartRun(runs[id]))];
  const shownGraph = run ? runGraphs[run.runId] ?? null : null;
  const shownPrint = useMemo(() => (shownGraph ? networkFingerprint(shownGraph) : null), [shownGraph]);
  const figure = useMemo(() => bookFigureFor(shownGraph ?? canvas.doc), [shownGraph, canvas]);
  const differs = shownPrint !== null && shownPrint !== canvas.print;
  const hint = plateauHint(shownGraph, run);
  const shownInfo = run ? summary(run.runId) : undefined;
  const lastRow = run?.epochRows[run.epochRows.length - 1];

  return (
    <div className="training" data-testid="training">
      <form className="train-form" onSubmit={(e) => e.preventDefault()}>
        {PANEL_SETTINGS.map((k) => <SettingField key={k} name={k} config={config} backends={backends} disabled={running} />)}
      </form>
      <Estimate />
      <div className="train-buttons">
        <button className="primary" data-testid="train-start" disabled={running || !gate.ok} onClick={() => void startTraining()} title={gate.reason ?? 'Train on Fashion-MNIST'}>
          Start
        </button>
        <button data-testid="train-stop" disabled={!running || run?.status === 'stopping'} onClick={() => void stopTraining('graceful')} title="Finish the current batch, save a checkpoint, stop">
          {run?.status === 'stopping' ? 'Stopping…' : 'Stop'}
        </button>
      </div>
      <StartReason running={running} />
      {run && (
        <div className="run-status" data-testid="run-status" data-status={run.status} data-run-id={run.runId}>
          {differs && (
            <div className="banner" data-testid="graph-differs">
              The canvas is not the graph this run trained.{' '}
              <button className="link" data-testid="banner-reopen" onClick={() => void reopenRun(run.runId)}>Show the run&apos;s graph</button>
            </div>
          )}
          <div className="run-line">
            <strong data-testid="run-name">{shownInfo?.name ?? run.runId}</strong>
            <span data-testid="run-state">{STATUS_TEXT[run.status]}</span>
          </div>
          {shownInfo && <div className="run-line muted small" data-testid="run-settings">{settingsText(shownInfo.config, run.backend)}</div>}
          <div className="progress" title={`${Math.round(run.progress * 100)} % of the run`}>
            <div className="progress-bar" data-testid="progress-bar" data-progress={run.progress.toFixed(4)} style={{ width: `${(run.progress * 100).toFixed(1)}%` }} />
          </div>
          <div className="run-line">
            <span data-testid="run-progress">{progressText(run)}</span>
            <span>{run.samplesPerS && running ? `${Math.round(run.samplesPerS)} samples/s` : ''}</span>
          </div>
          {lastRow && (
            <div className="run-line small" data-testid="run-accuracy">
              epoch {lastRow.epoch}: {lastRow.train_acc !== undefined ? `train acc ${lastRow.train_acc.toFixed(3)} · ` : ''}val acc {lastRow.val_acc.toFixed(3)} · val loss {lastRow.val_loss.toFixed(3)}
            </div>
          )}
          <div className="run-line muted" data-testid="run-backend">{backendLine(run)}</div>
          {run.resumed && <p className="muted small" data-testid="run-resumed">{run.resumed}</p>}
          {run.error && <p className="error-text" data-testid="run-error">{run.error}</p>}
          {hint && <p className="hint-text" data-testid="plateau-hint">{hint}</p>}
        </div>
      )}
      <ProgressChart runs={chartRuns} book={book ? figure : null} />
      {figure && (
        <label className="check small" title={`d2l 1.0.3 §${figure.section}: ${figure.valAcc} val acc after ${figure.epoch} epochs`}>
          <input type="checkbox" data-testid="book-reference" checked={book} onChange={(e) => useStore.getState().setBookReference(e.target.checked)} /> Show the d2l book&apos;s {figure.label} result
        </label>
      )}
      <GpuCheck />
      <h3>Runs</h3>
      <RunHistory />
    </div>
  );
}
