/**
 * The Training panel's estimate before Start: the size the images are trained at (the Input's),
 * a smaller size one click away, the memory the run needs against what this machine and backend
 * allow, and the time per epoch and for the run from training steps measured on this machine —
 * each said with where it comes from. Measuring starts by itself when the graph, batch size or
 * backend settle on something that can train and has no measurement yet.
 */

import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatBytes, formatCount } from '../../shared/format';
import { FASHION_MNIST } from '../../shared/training/fashion-mnist';
import { estimateKey, estimateTime, formatDuration, memoryFixes, smallerSizes, type MemoryFix, type StepMeasurement } from '../../shared/training/estimate';
import { useStore, type Store } from '../store/index';
import { measureCurrent, refreshEstimateBasis, trainAtSize } from './estimate-commands';
import { useStartCheck } from './use-start-check';

/** How long the graph must stay unchanged before it is measured: a typed number is several edits. */
const SETTLE_MS = 800;
/** Smaller sizes offered as buttons: more would crowd the panel. */
const OFFERED_SIZES = 2;

const selectEstimateInputs = (s: Store) => ({
  nodes: s.nodes, edges: s.edges, analysis: s.analysis, config: s.config, basis: s.estimateBasis,
  measurements: s.measurements, measuring: s.measuring, measureError: s.measureError,
  running: Object.values(s.runs).some((r) => r.status === 'running' || r.status === 'starting'),
});

function when(m: StepMeasurement): string {
  const d = new Date(m.measuredAt);
  return Number.isNaN(d.getTime()) ? m.measuredAt : d.toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function applyFix(fix: MemoryFix): void {
  switch (fix.kind) {
    case 'batch': return useStore.getState().setConfig({ batchSize: fix.batch });
    case 'size': return trainAtSize(fix.size);
    case 'backend': return useStore.getState().setConfig({ backend: fix.backend as 'native' });
  }
}

export function Estimate() {
  const { nodes, edges, analysis, config, basis, measurements, measuring, measureError, running } = useStore(useShallow(selectEstimateInputs));
  const check = useStartCheck();
  // Keyed on the graph's layers and wiring, not on the document object rebuilt for every call.
  const doc = useMemo(() => useStore.getState().graphDoc(), [nodes, edges]); // eslint-disable-line react-hooks/exhaustive-deps
  const key = useMemo(() => estimateKey(doc, config.batchSize, config.backend), [doc, config.batchSize, config.backend]);
  const measured = measurements[key] ?? null;
  const failed = measureError?.key === key ? measureError.message : null;

  useEffect(() => {
    if (!basis) void refreshEstimateBasis();
  }, [basis]);

  useEffect(() => {
    if (check.reason || running || measured || measuring || failed) return;
    const t = setTimeout(() => void measureCurrent(), SETTLE_MS);
    return () => clearTimeout(t);
  }, [key, check.reason, running, measured, measuring, failed]);

  const input = analysis.inputId ? analysis.nodes[analysis.inputId]?.shape : null;
  const side = input && input.length === 4 && input[2] === input[3] ? input[2] : null;
  const smaller = useMemo(() => (side && analysis.ok ? smallerSizes(doc, analysis).slice(0, OFFERED_SIZES) : []), [doc, analysis, side]);
  const throughput = basis?.throughput[check.backend] ?? null;
  const time = check.memory ? estimateTime(analysis, config, measured, throughput) : null;
  const fixes = useMemo(
    () => (check.memory && check.limit && basis ? memoryFixes(doc, analysis, config, check.limit, basis.totalBytes) : []),
    [doc, analysis, config, check.memory, check.limit, basis],
  );
  const memory = check.memory;

  return (
    <section className="estimate" data-testid="estimate">
      <p data-testid="image-size">
        {side === null
          ? 'The Input sets the training size: give it equal height and width.'
          : side === FASHION_MNIST.side
            ? `Fashion-MNIST ${FASHION_MNIST.side}×${FASHION_MNIST.side}, trained at its own size (the Input's).`
            : `Fashion-MNIST ${FASHION_MNIST.side}×${FASHION_MNIST.side} → resized to ${side}×${side} (the Input's size).`}
        {smaller.map((s) => (
          <button key={s.size} className="link train-at" data-testid={`train-at-${s.size}`} title={`Set the Input to ${s.size}×${s.size} (undo with Ctrl+Z)`} onClick={() => trainAtSize(s.size)}>
            train at {s.size} px
          </button>
        ))}
      </p>
      {memory && (
        <p data-testid="estimate-memory" title={`Activations ${formatBytes(memory.totals.activations)}, their gradients ${formatBytes(memory.totals.gradients)}, parameters ${formatBytes(memory.totals.params)} with gradients ${formatBytes(memory.totals.paramGradients)}. A lower bound: TensorFlow.js needs more.`}>
          Memory ≥ <strong>{formatBytes(memory.totals.total)}</strong> at batch {formatCount(config.batchSize)}: activations {formatBytes(memory.totals.activations + memory.totals.gradients)}, parameters {formatBytes(memory.fixedBytes)}
          {check.limit ? <span className="muted"> — {check.limit.what} is {formatBytes(check.limit.bytes)}</span> : null}
        </p>
      )}
      {fixes.length > 0 && (
        <div className="fix-list" data-testid="memory-fixes">
          {fixes.map((f) => (
            <button key={f.kind} data-testid={`memory-fix-${f.kind}`} onClick={() => applyFix(f)}>{f.text}</button>
          ))}
        </div>
      )}
      {memory && (
        <p data-testid="estimate-time" data-source={time?.source ?? 'none'}>
          {time ? (
            <>
              ≈ <strong>{formatDuration(time.epochSeconds)}</strong> per epoch, <strong>{formatDuration(time.totalSeconds)}</strong> for {formatCount(config.epochs)} epoch{config.epochs === 1 ? '' : 's'} on {time.basis.backend}
              <span className="muted" data-testid="estimate-basis">
                {time.source === 'measured'
                  ? ` · measured on this machine, ${when(time.basis)} (${time.basis.steps} steps of ${time.basis.batch}, ${time.basis.path})`
                  : ` · rough: from ${time.basis.backend}'s speed on ${time.basis.graph}, measured on this machine, ${when(time.basis)}`}
              </span>
            </>
          ) : measuring ? null : failed ? (
            <span className="warn-text">No time estimate: {failed}</span>
          ) : (
            <span className="muted">No time estimate yet.</span>
          )}
          {measuring === key && <span className="muted" data-testid="estimate-measuring"> Measuring training steps on this machine…</span>}
          {!measuring && !check.reason && !running && (measured || failed) && ' · '}
          {!measuring && !check.reason && !running && (measured || failed) && (
            <button className="link" data-testid="estimate-remeasure" title="Time a few training steps of this graph again" onClick={() => void measureCurrent(true)}>
              measure again
            </button>
          )}
        </p>
      )}
    </section>
  );
}
