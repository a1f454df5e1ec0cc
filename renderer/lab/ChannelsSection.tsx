/**
 * d2l 7.4: several input channels (each cross-correlated with its own slice of the kernel, the
 * results summed: corr2d_multi_in), several output channels (one such kernel stack each:
 * corr2d_multi_in_out), and the 1×1 convolution shown as the matrix product it is, with the
 * equality checked on screen. The engine computes the output, the per-channel terms and both
 * sides of the 1×1 equality.
 */

import { useMemo, useState } from 'react';
import { LAB_LIMITS, checkConv1x1, checkCorrelate } from '../../shared/lab/check';
import { CHANNEL_SCENES } from '../../shared/lab/presets';
import { windowCells } from '../../shared/lab/windows';
import type { Grid as NumGrid } from '../../shared/lab/types';
import { useStore } from '../store/index';
import { EngineLine, Explain, Scenes } from './common';
import { conv1x1Call, correlateCall } from './engine-calls';
import { Problems } from './fields';
import { fmt, fmtSmall, numbers, parseGrid, resize, type TextGrid } from './format';
import { Grid, cellKey } from './Grid';
import { oneByOneInputs, type ChannelInputs } from './lab-slice';
import { useLabResult } from './use-lab-result';

const selectInputs = (s: { lab: { channels: ChannelInputs } }) => s.lab.channels;
const SCENES = [...CHANNEL_SCENES.map(({ id, label, about }) => ({ id, label, about })), { id: '1x1', label: '1×1 convolution', about: 'd2l 7.4.3: corr2d_multi_in_out_1x1 as a matrix product, checked against the convolution' }];

/** Rows × columns for a whole stack of grids. */
function SizeFields({ label, rows, cols, onSize, testId, max = LAB_LIMITS.side }: { label: string; rows: number; cols: number; onSize(r: number, c: number): void; testId: string; max?: number }) {
  const ok = (r: number, c: number) => Number.isInteger(r) && Number.isInteger(c) && r >= 1 && c >= 1 && r <= max && c <= max;
  return (
    <label className="lab-controls">
      {label}{' '}
      <input className="lab-num" type="number" value={rows} min={1} max={max} onChange={(e) => ok(Number(e.target.value), cols) && onSize(Number(e.target.value), cols)} data-testid={`${testId}-rows`} />×
      <input className="lab-num" type="number" value={cols} min={1} max={max} onChange={(e) => ok(rows, Number(e.target.value)) && onSize(rows, Number(e.target.value))} data-testid={`${testId}-cols`} />
    </label>
  );
}

/** Monospace fonts draw ⋆ at the size of a dot, which reads as a product; cross-correlation needs its star. */
const Star = () => <span className="lab-star">⋆</span>;

function Labeled({ label, children }: { label: React.ReactNode; children: React.ReactNode }) {
  return (
    <div className="lab-labeled">
      <div className="lab-caption mono">{label}</div>
      {children}
    </div>
  );
}

function MultiChannel({ inputs }: { inputs: ChannelInputs }) {
  const { setChannels } = useStore.getState();
  const checked = useMemo(() => checkCorrelate({ x: inputs.x.map(parseGrid), k: inputs.k.map((ko) => ko.map(parseGrid)), terms: true }), [inputs.x, inputs.k]);
  const answer = useLabResult(checked.ok ? checked.value.request : null, correlateCall);
  const [hover, setHover] = useState<{ o: number; i: number; j: number } | null>(null);
  const res = answer.result?.ok ? answer.result.value : null;
  const cin = inputs.x.length;
  const [xh, xw] = [inputs.x[0].length, inputs.x[0][0].length];
  const [kh, kw] = [inputs.k[0][0].length, inputs.k[0][0][0].length];
  const conv = checked.ok ? checked.value.conv : null;

  const setX = (c: number, g: TextGrid) => setChannels({ x: inputs.x.map((x, i) => (i === c ? g : x)), scene: '' });
  const setK = (o: number, c: number, g: TextGrid) => setChannels({ k: inputs.k.map((ko, i) => (i === o ? ko.map((kc, j) => (j === c ? g : kc)) : ko)), scene: '' });
  const addInput = () => cin < LAB_LIMITS.channels && setChannels({ x: [...inputs.x, resize([], xh, xw)], k: inputs.k.map((ko) => [...ko, resize([], kh, kw)]), scene: '' });
  const dropInput = () => cin > 1 && setChannels({ x: inputs.x.slice(0, -1), k: inputs.k.map((ko) => ko.slice(0, -1)), scene: '' });
  const addOutput = () => inputs.k.length < LAB_LIMITS.channels && setChannels({ k: [...inputs.k, inputs.k[inputs.k.length - 1].map((g) => g.map((r) => [...r]))], scene: '' });
  const dropOutput = () => inputs.k.length > 1 && setChannels({ k: inputs.k.slice(0, -1), scene: '' });

  const h = hover && res && hover.o < res.y.length && hover.i < res.y[0].length && hover.j < res.y[0][0].length ? hover : null;
  const window = h && conv ? new Set(windowCells(h.i, h.j, conv).map((c) => cellKey(c.i, c.j))) : undefined;
  const at = h ? new Set([cellKey(h.i, h.j)]) : undefined;

  return (
    <>
      <div className="lab-row">
        <section className="lab-panel">
          <header className="lab-panel-head"><h3>Input X</h3><span className="lab-shape" data-testid="lab-mx-shape">{cin}×{xh}×{xw}</span></header>
          <div className="lab-controls">
            <SizeFields label="H × W" rows={xh} cols={xw} onSize={(r, c) => setChannels({ x: inputs.x.map((g) => resize(g, r, c)), scene: '' })} testId="lab-mx-size" />
            <button onClick={addInput} disabled={cin >= LAB_LIMITS.channels} data-testid="lab-add-input">+ input channel</button>
            <button onClick={dropInput} disabled={cin <= 1}>− input channel</button>
          </div>
          <div className="lab-stack">
            {inputs.x.map((g, c) => (
              <Labeled key={c} label={`X[${c}]`}>
                <Grid testId={`lab-mx-${c}`} values={g} onChange={(v) => setX(c, v)} highlight={window} maxWidth={170} maxCell={34} />
              </Labeled>
            ))}
          </div>
        </section>
        <section className="lab-panel">
          <header className="lab-panel-head"><h3>Kernels K</h3><span className="lab-shape">{inputs.k.length}×{cin}×{kh}×{kw}</span></header>
          <div className="lab-controls">
            <SizeFields label="kh × kw" rows={kh} cols={kw} onSize={(r, c) => setChannels({ k: inputs.k.map((ko) => ko.map((g) => resize(g, r, c))), scene: '' })} testId="lab-mk-size" max={16} />
            <button onClick={addOutput} disabled={inputs.k.length >= LAB_LIMITS.channels} data-testid="lab-add-output">+ output channel</button>
            <button onClick={dropOutput} disabled={inputs.k.length <= 1}>− output channel</button>
          </div>
          {inputs.k.map((ko, o) => (
            <div key={o} className="lab-stack">
              {ko.map((g, c) => (
                <Labeled key={c} label={`K[${o}, ${c}]`}>
                  <Grid testId={`lab-mk-${o}-${c}`} values={g} onChange={(v) => setK(o, c, v)} maxWidth={110} maxCell={32} bare />
                </Labeled>
              ))}
            </div>
          ))}
        </section>
      </div>
      {!checked.ok ? (
        <Problems message={checked.error.message} diagnostics={checked.error.diagnostics} />
      ) : answer.result && !answer.result.ok ? (
        <Problems message={answer.result.error.message} diagnostics={[]} />
      ) : res ? (
        <section className="lab-panel" data-testid="lab-multi-out">
          <header className="lab-panel-head">
            <h3>Output Y: each input channel's cross-correlation with its kernel slice, summed</h3>
            <span className="lab-shape" data-testid="lab-my-shape">{res.y.length}×{res.y[0].length}×{res.y[0][0].length}</span>
          </header>
          {res.y.map((yo, o) => (
            <div key={o} className="lab-stack lab-sum-row">
              {res.terms![o].map((t, c) => (
                <div key={c} className="lab-stack">
                  {c > 0 && <div className="lab-op small">+</div>}
                  <Labeled label={<>X[{c}] <Star /> K[{o}, {c}]</>}>
                    <Grid testId={`lab-term-${o}-${c}`} values={t} highlight={at && h?.o === o ? at : undefined} stale={answer.stale} maxWidth={130} maxCell={34} bare />
                  </Labeled>
                </div>
              ))}
              <div className="lab-op small">=</div>
              <Labeled label={`Y[${o}]`}>
                <Grid testId={`lab-my-${o}`} values={yo} active={h?.o === o ? cellKey(h.i, h.j) : null} onHover={(cell) => setHover(cell ? { o, i: cell[0], j: cell[1] } : null)} stale={answer.stale} maxWidth={130} maxCell={40} bare />
              </Labeled>
            </div>
          ))}
          <Explain empty="Point at a cell of Y: its window lights up in every input channel, and the terms that add up to it are written out.">
            {h ? (
              <div className="mono" data-testid="lab-explain-sum">
                Y[{h.o}, {h.i}, {h.j}] = {res.terms![h.o].map((t, c) => <span key={c}>{c > 0 && ' + '}(X[{c}] <Star /> K[{h.o}, {c}])[{h.i}, {h.j}]</span>)} = {res.terms![h.o].map((t) => fmt(t[h.i][h.j])).join(' + ')} = <b>{fmt(res.y[h.o][h.i][h.j])}</b>
              </div>
            ) : undefined}
          </Explain>
          <EngineLine answer={answer} />
        </section>
      ) : <EngineLine answer={answer} />}
    </>
  );
}

/** A matrix with row and column captions, read-only. */
function Matrix({ label, values, testId }: { label: string; values: NumGrid; testId: string }) {
  return (
    <Labeled label={label}>
      <Grid testId={testId} values={values} maxWidth={values[0].length > 3 ? 430 : 150} maxCell={48} compact />
    </Labeled>
  );
}

function OneByOne({ inputs }: { inputs: ChannelInputs }) {
  const { setChannels } = useStore.getState();
  const checked = useMemo(() => checkConv1x1({ x: inputs.x11.map(parseGrid), k: parseGrid(inputs.k11) }), [inputs.x11, inputs.k11]);
  const answer = useLabResult(checked.ok ? { x: checked.value.x, k: checked.value.k } : null, conv1x1Call);
  const res = answer.result?.ok ? answer.result.value : null;
  const x = checked.ok ? checked.value.x : null;
  const equal = res ? res.maxAbsDiff < 1e-5 : false;
  return (
    <>
      <div className="lab-row">
        <section className="lab-panel">
          <header className="lab-panel-head"><h3>Input X</h3><span className="lab-shape">{inputs.x11.length}×{inputs.x11[0].length}×{inputs.x11[0][0].length}</span></header>
          <div className="lab-controls">
            <button onClick={() => setChannels(oneByOneInputs(inputs.seed + 1))} data-testid="lab-1x1-random" title="d2l draws X and K with torch.normal(0, 1, ...): draw new ones">New random values</button>
          </div>
          <div className="lab-stack">
            {inputs.x11.map((g, c) => (
              <Labeled key={c} label={`X[${c}]`}>
                <Grid testId={`lab-1x1-x-${c}`} values={g} onChange={(v) => setChannels({ x11: inputs.x11.map((o, i) => (i === c ? v : o)) })} maxWidth={180} maxCell={54} bare />
              </Labeled>
            ))}
          </div>
        </section>
        <section className="lab-panel">
          <header className="lab-panel-head"><h3>1×1 kernel K</h3><span className="lab-shape">{inputs.k11.length}×{inputs.k11[0].length}×1×1</span></header>
          <div className="muted small-text">One weight per (output, input) channel: rows are outputs, columns inputs.</div>
          <Grid testId="lab-1x1-k" values={inputs.k11} onChange={(k11) => setChannels({ k11 })} maxWidth={200} maxCell={56} />
        </section>
      </div>
      {!checked.ok ? (
        <Problems message={checked.error.message} diagnostics={checked.error.diagnostics} />
      ) : answer.result && !answer.result.ok ? (
        <Problems message={answer.result.error.message} diagnostics={[]} />
      ) : res && x ? (
        <>
          <div className="lab-row">
            <section className="lab-panel">
              <h3>As a matrix product: Y = K · X, with X reshaped to C × (H·W)</h3>
              <div className="lab-stack">
                <Matrix label={`K  (${res.matmul.length} × ${x.length})`} values={numbers(inputs.k11)!} testId="lab-1x1-kmat" />
                <div className="lab-op small">·</div>
                <Matrix label={`X  (${x.length} × ${x[0].length * x[0][0].length})`} values={x.map((g) => g.flat())} testId="lab-1x1-xmat" />
                <div className="lab-op small">=</div>
                <Matrix label={`K · X  (${res.matmul.length} × ${res.matmul[0].length})`} values={res.matmul} testId="lab-1x1-matmul" />
              </div>
            </section>
          </div>
          <div className="lab-row">
            <section className="lab-panel">
              <h3>As a convolution: Conv2d with a 1×1 kernel</h3>
              <div className="lab-stack">
                {res.conv.map((g, o) => (
                  <Labeled key={o} label={`Y[${o}]`}>
                    <Grid testId={`lab-1x1-conv-${o}`} values={g} maxWidth={180} maxCell={54} bare compact />
                  </Labeled>
                ))}
              </div>
            </section>
            <section className={`lab-panel lab-check ${equal ? 'ok' : 'bad'}`} data-testid="lab-1x1-check">
              <h3>The same numbers?</h3>
              <div className="mono">Σ |Y<sub>conv</sub> − Y<sub>matmul</sub>| = {fmtSmall(res.absDiffSum)}</div>
              <div className="mono">largest |difference| = {fmtSmall(res.maxAbsDiff)}</div>
              <div data-testid="lab-1x1-verdict">
                {equal
                  ? <span className="lab-ok">✓ Equal, up to float32 rounding: a 1×1 convolution is a matrix product over channels.</span>
                  : <span className="error-text">✗ They differ by more than float32 rounding.</span>}
              </div>
              <div className="muted small-text">d2l asserts Σ|Y1 − Y2| &lt; 1e−6; the two sums run in a different order here, so each value agrees to about 7 digits.</div>
            </section>
          </div>
          <EngineLine answer={answer} />
        </>
      ) : <EngineLine answer={answer} />}
    </>
  );
}

export function ChannelsSection() {
  const inputs = useStore(selectInputs);
  return (
    <div className="lab-section" data-testid="lab-channels">
      <Scenes scenes={SCENES} current={inputs.scene} onPick={(id) => useStore.getState().loadChannelScene(id)} testId="lab-channel-scene" />
      {inputs.scene === '1x1' ? <OneByOne inputs={inputs} /> : <MultiChannel inputs={inputs} />}
    </div>
  );
}
