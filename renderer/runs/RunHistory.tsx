/**
 * The runs of this machine, newest first: name, graph, key settings, duration, final val accuracy,
 * status with the reason a run failed; and what can be done with each — show it, overlay it,
 * rename, reopen its graph on the canvas, resume it, export it, delete it.
 */

import { useState } from 'react';
import type { RunSummary } from '../../shared/training';
import { SETTINGS } from '../../shared/training/settings';
import { openExport } from '../export/export-command';
import { useStore } from '../store/index';
import { selectActiveRunId, selectHistory, selectOverlayRunIds } from '../store/selectors';
import { deleteRun, overlayRun, renameRun, reopenRun, resumeRun, showRun } from '../training/controller';
import { durationText, settingsText } from './run-text';

const RESUMABLE = new Set<RunSummary['status']>(['stopped', 'failed', 'interrupted']);
const LIVE = new Set<RunSummary['status']>(['running', 'queued']);

function NameCell({ h }: { h: RunSummary }) {
  const [editing, setEditing] = useState<string | null>(null);
  if (editing !== null) {
    const commit = () => {
      setEditing(null);
      if (editing.trim() !== h.name) void renameRun(h.runId, editing);
    };
    return (
      <input
        className="run-name-input" data-testid="run-name-input" autoFocus value={editing} maxLength={120} aria-label="run name"
        onChange={(e) => setEditing(e.target.value)} onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setEditing(null);
        }}
      />
    );
  }
  return (
    <>
      <button className="link run-name" data-testid="run-show" title={`Show this run's curves\n${h.runDir}\nstarted ${h.startedAt}`} onClick={() => void showRun(h.runId)}>
        {h.name || h.runId}
      </button>
      <button className="link icon" data-testid="run-rename" title="Rename this run" aria-label="rename" onClick={() => setEditing(h.name)}>✎</button>
      <div className="muted small">
        {h.graphName && h.graphName !== h.name ? `${h.graphName} · ` : ''}
        {new Date(h.startedAt).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })}
      </div>
      <div className="muted small" data-testid="run-settings-cell">{settingsText(h.config, h.backend)}</div>
    </>
  );
}

const MAX_EPOCHS = SETTINGS.epochs.max;

/**
 * "More…": continue a run (done too) to a new epoch total, as `convstudio train --resume RUN
 * --epochs N` does. The total counts the epochs already trained; the run keeps its other settings.
 */
function MoreEpochs({ h }: { h: RunSummary }) {
  const done = h.epochsDone;
  const [text, setText] = useState<string | null>(null);
  if (text === null) {
    return <button className="link" data-testid="run-more" title="Train this run for more epochs, from its last checkpoint" onClick={() => setText(String(Math.min(MAX_EPOCHS, Math.max(h.config.epochs, done) + 5)))}>More…</button>;
  }
  const n = Number(text);
  const problem = !Number.isInteger(n) || n <= done || n > MAX_EPOCHS ? `a whole number from ${done + 1} to ${MAX_EPOCHS}` : null;
  const go = () => {
    if (problem) return;
    setText(null);
    void resumeRun(h.runId, n);
  };
  return (
    <span className="run-more" data-testid="run-more-form">
      to <input type="number" data-testid="run-more-epochs" aria-label="epochs in all" min={done + 1} max={MAX_EPOCHS} step={1} value={text} autoFocus
        onChange={(e) => setText(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') go(); if (e.key === 'Escape') setText(null); }} /> epochs{' '}
      <button className="link" data-testid="run-more-go" disabled={problem !== null} title={problem ? `Epochs in all: ${problem}` : `Continue to epoch ${n}`} onClick={go}>Go</button>{' '}
      <button className="link" data-testid="run-more-cancel" onClick={() => setText(null)}>Cancel</button>
    </span>
  );
}

export function RunHistory() {
  const history = useStore(selectHistory);
  const overlayIds = useStore(selectOverlayRunIds);
  const activeId = useStore(selectActiveRunId);
  if (history.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <table className="runs" data-testid="runs">
      <thead>
        <tr>
          <th>Run</th>
          <th>Status</th>
          <th className="num">Val acc</th>
          <th title="Draw beside the shown run">Cmp.</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {history.map((h) => (
          <tr key={h.runId} data-testid="run-row" data-run-id={h.runId} data-status={h.status} className={h.runId === activeId ? 'shown' : ''}>
            <td><NameCell h={h} /></td>
            <td className="small">
              <span className={`run-state run-state-${h.status}`}>{h.status}</span>
              {h.epochsDone ? <span className="muted"> · {h.epochsDone}/{h.config.epochs} ep.</span> : null}
              {h.seconds ? <span className="muted"> · {durationText(h.seconds)}</span> : null}
              {h.message && h.status !== 'done' ? <div className="run-reason" data-testid="run-reason" title={h.message}>{h.message}</div> : null}
            </td>
            <td className="num">{h.final?.val_acc != null ? h.final.val_acc.toFixed(3) : ''}</td>
            <td>
              <input type="checkbox" data-testid="run-overlay" aria-label="overlay this run" disabled={h.runId === activeId} checked={overlayIds.includes(h.runId)} onChange={(e) => void overlayRun(h.runId, e.target.checked)} />
            </td>
            <td className="run-actions">
              <button className="link" data-testid="run-reopen" title="Put this run's graph on the canvas" onClick={() => void reopenRun(h.runId)}>Reopen</button>
              {RESUMABLE.has(h.status) && (
                <button className="link" data-testid="run-resume" title="Continue from its last checkpoint (as convstudio train --resume)" onClick={() => void resumeRun(h.runId)}>Resume</button>
              )}
              {!LIVE.has(h.status) && <MoreEpochs h={h} />}
              <button className="link" data-testid="run-insight" title="See what this run's network learned: confusion matrix, mistakes, activations, filters" onClick={() => useStore.getState().openInsight(h.runId)}>Insight</button>
              <button className="link" data-testid="run-export" title="Export this run's network and weights to PyTorch or ONNX" onClick={() => openExport({ kind: 'run', runId: h.runId })}>Export</button>
              <button className="link danger" data-testid="run-delete" disabled={LIVE.has(h.status)} title={LIVE.has(h.status) ? 'Stop it before deleting it' : 'Delete this run and its checkpoints'} onClick={() => void deleteRun(h.runId)}>Delete</button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
