/**
 * Insight, the view beside the canvas and the Kernel lab: what a trained run's network does
 * (issue 12). A student picks a run and one of its checkpoints, then looks at its results
 * (confusion matrix, per-class figures, mistakes), inside it (every layer's activations for an
 * image, top-5, Grad-CAM) or at what its layers hold (filters, histograms). Everything shown is
 * computed by the engine service through the Api; the page draws the bytes it gets.
 */

import { useEffect } from 'react';
import { useStore, type Store } from '../store/index';
import type { InsightSection } from '../store/insight-slice';
import { refreshHistory } from '../training/controller';
import { percent } from './confusion';
import { callEpochs } from './engine-calls';
import { InsideSection } from './InsideSection';
import { LayersSection } from './LayersSection';
import { ResultsSection } from './ResultsSection';
import { useAnswer } from './use-answer';
import './insight.css';

const SECTIONS: { id: InsightSection; label: string; about: string }[] = [
  { id: 'results', label: 'Results', about: 'Accuracy per epoch, the confusion matrix, per-class figures and the misclassified images' },
  { id: 'inside', label: 'Inside the network', about: 'Every layer\'s activations for an image, its top-5 classes and Grad-CAM; two images side by side' },
  { id: 'layers', label: 'What the layers hold', about: 'Learned filters as images and weight and gradient histograms per layer' },
];

const selectInsight = (s: Store) => s.insight;
const selectHistory = (s: Store) => s.history;

/** The checkpoint picker's text for one checkpoint. */
function epochLabel(e: { epoch: number; batches: number; valAcc: number | null }): string {
  const at = e.epoch === 0 ? 'epoch 0 (initial weights)' : e.batches > 0 ? `epoch ${e.epoch} + ${e.batches} batches` : `epoch ${e.epoch}`;
  return e.valAcc == null ? at : `${at} — val acc ${percent(e.valAcc)}`;
}

function RunPicker() {
  const { runId, epoch } = useStore(selectInsight);
  const history = useStore(selectHistory);
  const epochs = useAnswer('epochs', runId ? { runId } : null, callEpochs);
  // Newest first, as a student looks for the end of training; epoch 0 (the initial weights) last.
  const list = epochs.result?.ok ? [...epochs.result.value.epochs].sort((x, y) => y.epoch - x.epoch || y.batches - x.batches) : [];
  const newest = list.length ? list[0].epoch : null;
  return (
    <div className="insight-pickers">
      <label>
        Run
        <select data-testid="insight-run" value={runId ?? ''} onChange={(e) => e.target.value && useStore.getState().openInsight(e.target.value)}>
          {!runId && <option value="">choose a run…</option>}
          {runId && !history.some((h) => h.runId === runId) && <option value={runId}>{runId}</option>}
          {history.map((h) => (
            <option key={h.runId} value={h.runId}>
              {h.name || h.runId} · {h.status} · {h.epochsDone} ep.{h.final?.val_acc != null ? ` · ${percent(h.final.val_acc)}` : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        Checkpoint
        <select
          data-testid="insight-epoch"
          value={epoch === null ? '' : String(epoch)}
          disabled={list.length === 0}
          onChange={(e) => useStore.getState().setInsight({ epoch: e.target.value === '' ? null : Number(e.target.value), cell: null })}
        >
          <option value="">newest{newest !== null ? ` (epoch ${newest})` : ''}</option>
          {list.map((e) => (
            <option key={e.checkpoint} value={e.epoch}>{epochLabel(e)}</option>
          ))}
        </select>
      </label>
      {epochs.result && !epochs.result.ok && <p className="error-text" data-testid="insight-epochs-error">{epochs.result.error.message}</p>}
    </div>
  );
}

export function InsightView() {
  const { runId, section } = useStore(selectInsight);
  const history = useStore(selectHistory);
  useEffect(() => {
    void refreshHistory();
  }, []);
  return (
    <main className="insight" data-testid="insight">
      <nav className="insight-nav" aria-label="Insight sections">
        <h2>Insight</h2>
        <RunPicker />
        {SECTIONS.map((s) => (
          <button key={s.id} className={section === s.id ? 'active' : ''} disabled={!runId} onClick={() => useStore.getState().setInsight({ section: s.id })} data-testid={`insight-section-${s.id}`} title={s.about}>
            <span>{s.label}</span>
            <small>{s.about}</small>
          </button>
        ))}
        <p className="muted insight-nav-note">Computed by the engine from the run&apos;s checkpoint, on the validation images the run was scored on.</p>
      </nav>
      <div className="insight-main">
        {!runId ? (
          <div className="insight-empty" data-testid="insight-empty">
            <h3>Choose a run</h3>
            {history.length === 0 ? (
              <p className="muted">No runs yet: train a network (Network view → Training tab), then open it here or with “Insight” in the run list.</p>
            ) : (
              <p className="muted">Pick a trained run above, or click “Insight” beside a run in the Training panel.</p>
            )}
          </div>
        ) : section === 'results' ? (
          <ResultsSection />
        ) : section === 'inside' ? (
          <InsideSection />
        ) : (
          <LayersSection />
        )}
      </div>
    </main>
  );
}
