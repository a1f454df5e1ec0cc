/**
 * What the layers hold (issue 12 item 3), at the chosen checkpoint: a convolution's learned
 * filters as images — the first layer's per input channel, a deeper layer's as one small grid
 * per output channel — and every layer's weight and gradient histograms.
 */

import { useMemo } from 'react';
import { decodeBytes, type Filters, type Histogram } from '../../shared/insight';
import { useStore, type Store } from '../store/index';
import { cssColor } from './colormap';
import { callFilters, callHistograms } from './engine-calls';
import { Tiles } from './Pixels';
import { useAnswer } from './use-answer';

const selectInsight = (s: Store) => s.insight;

function FilterGrids({ f }: { f: Filters }) {
  const bytes = useMemo(() => decodeBytes(f.data), [f.data]);
  const [out, inC, kh, kw] = f.shape;
  const per = f.shownIn * kh * kw;
  const describe = (o: number) => (i: number) => `output channel ${o}, input channel ${i}`;
  if (f.shownIn === 1) {
    // One input channel (the first layer on gray images): each filter is one picture.
    return (
      <div className="filters-one" data-testid="filter-grid" data-filters={f.shownOut}>
        <Tiles bytes={bytes} count={f.shownOut} h={kh} w={kw} map="diverging" limits={{ maxWidth: 900, minTile: 40, maxTile: 80, gap: 12 }} describe={(o) => `output channel ${o}`} testId="filter-tiles" />
      </div>
    );
  }
  return (
    <div className="filters-many" data-testid="filter-grid" data-filters={f.shownOut}>
      {Array.from({ length: f.shownOut }, (_, o) => (
        <figure key={o} className="filter-out">
          <Tiles bytes={bytes.subarray(o * per, (o + 1) * per)} count={f.shownIn} h={kh} w={kw} map="diverging" limits={{ maxWidth: 200, minTile: 6, maxTile: 20, gap: 3 }} describe={describe(o)} />
          <figcaption>out {o}</figcaption>
        </figure>
      ))}
      {(f.shownOut < out || f.shownIn < inC) && <p className="muted small">first {f.shownOut} of {out} output and {f.shownIn} of {inC} input channels</p>}
    </div>
  );
}

function HistogramChart({ h, tone, testId }: { h: Histogram; tone: 'weight' | 'grad'; testId: string }) {
  const W = 180;
  const H = 46;
  const top = Math.max(1, ...h.counts);
  const bw = W / Math.max(1, h.counts.length);
  return (
    <figure className="hist" data-testid={testId} data-count={h.count} data-bins={h.counts.length}>
      <svg width={W} height={H + 12} role="img" aria-label={`${h.name}: ${h.count} values from ${h.min} to ${h.max}`}>
        {h.counts.map((c, i) => (
          <rect key={i} x={i * bw} y={H - (c / top) * H} width={Math.max(1, bw - 1)} height={(c / top) * H} className={tone} />
        ))}
        {h.min < 0 && h.max > 0 && <line x1={(-h.min / (h.max - h.min)) * W} x2={(-h.min / (h.max - h.min)) * W} y1={0} y2={H} className="zero" />}
        <text x={0} y={H + 11} className="axis">{h.min.toPrecision(2)}</text>
        <text x={W} y={H + 11} className="axis" textAnchor="end">{h.max.toPrecision(2)}</text>
      </svg>
      <figcaption>
        <code>{h.name}</code> · {h.count.toLocaleString('en-US')} · mean {h.mean.toPrecision(2)} · std {h.std.toPrecision(2)}
      </figcaption>
    </figure>
  );
}

function Histograms({ runId, epoch }: { runId: string; epoch: number | null }) {
  const hs = useAnswer('histograms', { runId, epoch }, callHistograms);
  if (!hs.result) return <p className="muted">Computing the histograms…</p>;
  if (!hs.result.ok) return <p className="error-text">{hs.result.error.message}</p>;
  const v = hs.result.value;
  return (
    <div className="hists" data-testid="histograms">
      <p className="muted small">Gradients: of the mean cross-entropy on the first {v.gradientSamples} validation images, in evaluation mode.</p>
      <table className="insight-table hist-table">
        <thead>
          <tr>
            <th>Layer</th>
            <th>Weights</th>
            <th>Gradients</th>
          </tr>
        </thead>
        <tbody>
          {v.layers.map((l) => (
            <tr key={l.path} data-testid={`hist-${l.path}`}>
              <td><code>{l.path}</code> <span className="muted">{l.type}</span></td>
              <td><div className="hist-list">{l.weights.map((h) => <HistogramChart key={h.name} h={h} tone="weight" testId={`hist-w-${l.path}-${h.name}`} />)}</div></td>
              <td><div className="hist-list">{l.gradients.length ? l.gradients.map((h) => <HistogramChart key={h.name} h={h} tone="grad" testId={`hist-g-${l.path}-${h.name}`} />) : <span className="muted">no trainable weights</span>}</div></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LayersSection() {
  const { runId, epoch, filterLayer } = useStore(selectInsight);
  const filters = useAnswer('filters', runId ? { runId, epoch, layer: filterLayer } : null, callFilters);
  if (!runId) return null;
  const f = filters.result?.ok ? filters.result.value : null;
  return (
    <div className="insight-section" data-testid="insight-layers">
      <section className={`insight-panel${filters.stale ? ' stale' : ''}`}>
        <div className="panel-head">
          <h3>Learned filters</h3>
          <label>
            of
            <select value={filterLayer ?? ''} data-testid="filter-layer" onChange={(e) => useStore.getState().setInsight({ filterLayer: e.target.value || null })}>
              <option value="">the first convolution{f?.layers.length ? ` (${f.layers[0]})` : ''}</option>
              {(f?.layers ?? []).map((l) => <option key={l} value={l}>{l}</option>)}
            </select>
          </label>
          {f && (
            <span className="muted" data-testid="filter-shape" data-shape={f.shape.join(',')}>
              <code>{f.layer}</code> weight {f.shape.join(' × ')} (out × in × kh × kw) at epoch {f.epoch}
            </span>
          )}
        </div>
        {!filters.result && <p className="muted">Reading the checkpoint…</p>}
        {filters.result && !filters.result.ok && <p className="error-text" data-testid="filters-error">{filters.result.error.message}</p>}
        {f && (
          <>
            <div className="legend">
              <span className="swatch" style={{ background: cssColor('diverging', 0) }} /> −{f.absMax.toPrecision(2)}
              <span className="swatch" style={{ background: cssColor('diverging', 128) }} /> 0
              <span className="swatch" style={{ background: cssColor('diverging', 255) }} /> +{f.absMax.toPrecision(2)}
              <span className="muted small"> one scale for the whole layer</span>
            </div>
            <FilterGrids f={f} />
          </>
        )}
      </section>
      <section className="insight-panel">
        <div className="panel-head"><h3>Weights and gradients per layer</h3></div>
        <Histograms runId={runId} epoch={epoch} />
      </section>
    </div>
  );
}
