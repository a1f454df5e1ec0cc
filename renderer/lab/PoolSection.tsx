/**
 * d2l 7.5: max and average pooling with PyTorch's semantics — padding counts as −∞ for max and as
 * zeros that count for average — in 2-D (per channel, channels kept apart) and, as the student's
 * exercise, in 3-D over (depth, height, width). The window under the cursor is outlined in the
 * input and the max or mean written out.
 */

import { useMemo, useState } from 'react';
import type { Fix } from '../../shared/graph/types';
import { LAB_LIMITS, checkPool } from '../../shared/lab/check';
import { POOL_SCENES } from '../../shared/lab/presets';
import type { LabProblem, PoolMode, PoolRequest } from '../../shared/lab/types';
import { windowTaps } from '../../shared/lab/windows';
import { useStore } from '../store/index';
import { EngineLine, Explain, Scenes } from './common';
import { poolCall } from './engine-calls';
import { Field, fieldText, looseSpec, parseField, parseTriple, Problems } from './fields';
import { fmt, numbers, parseGrid, resize, type TextGrid } from './format';
import { sizeFormula } from './formula';
import { Grid, cellKey } from './Grid';
import type { PoolInputs } from './lab-slice';
import { useLabResult } from './use-lab-result';

const selectInputs = (s: { lab: { pool: PoolInputs } }) => s.lab.pool;
const FIELDS = ['kernel', 'stride', 'padding'] as const;
const SPEC_NAMES = { kernel: 'kernel_size', stride: 'stride', padding: 'padding' } as const;
const SPECS = Object.fromEntries(FIELDS.map((f) => [f, looseSpec('MaxPool2d', SPEC_NAMES[f])])) as Record<(typeof FIELDS)[number], ReturnType<typeof looseSpec>>;


interface Parsed {
  fieldErrors: Partial<Record<(typeof FIELDS)[number], string>>;
  request: PoolRequest | null;
  /** Per dimension (depth first for 3-D): kernel, stride, padding. */
  windows: { k: number; s: number; p: number }[] | null;
  problem: LabProblem | null;
}

export function parsePool(inputs: PoolInputs): Parsed {
  const fieldErrors: Parsed['fieldErrors'] = {};
  const values: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const p = inputs.dims === 3 ? parseTriple(SPEC_NAMES[f], inputs[f]) : parseField(SPECS[f], inputs[f]);
    if ('error' in p) fieldErrors[f] = p.error;
    else values[f] = p.value;
  }
  const first = FIELDS.find((f) => fieldErrors[f]);
  if (first) return { fieldErrors, request: null, windows: null, problem: { message: `${fieldErrors[first]}.`, diagnostics: [] } };
  const r = checkPool({ dims: inputs.dims, mode: inputs.mode, x: inputs.x.map(parseGrid), ...values });
  if (!r.ok) return { fieldErrors, request: null, windows: null, problem: r.error };
  const c = r.value;
  if (c.dims === 3) {
    const { kernel, stride, padding } = c.request;
    return { fieldErrors, request: c.request, windows: [0, 1, 2].map((i) => ({ k: kernel[i], s: stride[i], p: padding[i] })), problem: null };
  }
  return { fieldErrors, request: c.request, windows: [0, 1].map((i) => ({ k: c.pool.kernel[i], s: c.pool.stride[i], p: c.pool.padding[2 * i] })), problem: null };
}

export function PoolSection() {
  const inputs = useStore(selectInputs);
  const { setPool, loadPoolScene } = useStore.getState();
  const parsed = useMemo(() => parsePool(inputs), [inputs]);
  const answer = useLabResult(parsed.request, poolCall);
  const [hover, setHover] = useState<{ o: number; i: number; j: number } | null>(null);
  const y = answer.result?.ok ? answer.result.value.y : null;
  const x = inputs.x.map((g) => numbers(g));
  const w = parsed.windows;
  const is3d = inputs.dims === 3;
  const padLabel = inputs.mode === 'max' ? '−∞' : '0';
  const [h0, w0] = [inputs.x[0].length, inputs.x[0][0].length];

  const h = hover && y && w && hover.o < y.length && hover.i < y[0].length && hover.j < y[0][0].length ? hover : null;
  // 2-D: output channel o reads input channel o; 3-D: output depth o reads depths o·s − p + t.
  const spatial = w ? (is3d ? w.slice(1) : w) : null;
  const rows = h && spatial ? windowTaps(h.i, spatial[0].k, spatial[0].s, spatial[0].p) : [];
  const cols = h && spatial ? windowTaps(h.j, spatial[1].k, spatial[1].s, spatial[1].p) : [];
  const depths = h && w ? (is3d ? windowTaps(h.o, w[0].k, w[0].s, w[0].p) : [h.o]) : [];
  const lit = new Set(rows.flatMap((i) => cols.map((j) => cellKey(i, j))));

  const onFix = (fix: Fix): boolean => {
    if (fix.kind !== 'setParam') return false;
    const field = fix.param === 'kernel_size' ? 'kernel' : fix.param;
    if (!(FIELDS as readonly string[]).includes(field)) return false;
    setPool({ [field]: fieldText(fix.value) });
    return true;
  };

  let explanation = null;
  if (h && y && x.every(Boolean)) {
    const values = depths.flatMap((d) => rows.flatMap((i) => cols.map((j) => (d >= 0 && d < x.length && i >= 0 && i < h0 && j >= 0 && j < w0 ? fmt(x[d]![i][j]) : padLabel))));
    const shown = values.length > 27 ? [...values.slice(0, 24), `… ${values.length - 24} more`] : values;
    const where = is3d ? `Y[${h.o}, ${h.i}, ${h.j}]` : `Y[${h.o}, ${h.i}, ${h.j}]`;
    explanation = (
      <>
        <div>
          <b>{where}</b> is the {inputs.mode === 'max' ? 'largest value' : 'mean'} of its {values.length}-cell window{is3d ? ` (depths ${depths.filter((d) => d >= 0 && d < x.length).join(', ')})` : ''}
          {values.includes(padLabel) ? (inputs.mode === 'max' ? '; padding counts as −∞, so it never wins' : '; padded zeros count, as PyTorch\'s count_include_pad=True does') : ''}:
        </div>
        <div className="mono" data-testid="lab-explain-sum">
          {inputs.mode === 'max' ? `max(${shown.join(', ')})` : `(${shown.join(' + ')}) / ${values.length}`} = <b>{fmt(y[h.o][h.i][h.j])}</b>
        </div>
      </>
    );
  }

  const setX = (c: number, g: TextGrid) => setPool({ x: inputs.x.map((o, i) => (i === c ? g : o)) });
  const maxSlices = is3d ? LAB_LIMITS.pool3dSide : LAB_LIMITS.channels;
  const sliceName = is3d ? 'depth' : 'channel';
  const formula = w && (is3d ? [inputs.x.length, h0, w0] : [h0, w0]).map((n, i) => sizeFormula((is3d ? ['depth', 'height', 'width'] : ['height', 'width'])[i], n, w[i].k, w[i].s, w[i].p, w[i].p));

  return (
    <div className="lab-section" data-testid="lab-pool">
      <Scenes scenes={POOL_SCENES} current={inputs.scene} onPick={loadPoolScene} testId="lab-pool-scene" />
      <div className="lab-row">
        <section className="lab-panel">
          <header className="lab-panel-head">
            <h3>Input X</h3>
            <span className="lab-shape" data-testid="lab-px-shape">{inputs.x.length}×{h0}×{w0}{is3d ? ' (depth × height × width)' : ' (channels × height × width)'}</span>
          </header>
          <div className="lab-controls">
            <label>
              <input type="radio" checked={!is3d} onChange={() => setPool({ dims: 2, kernel: inputs.kernel.split(/[,×x ]+/)[0] ?? '2', stride: inputs.stride.split(/[,×x ]+/)[0] ?? '2', padding: inputs.padding.split(/[,×x ]+/)[0] ?? '0' })} data-testid="lab-pool-2d" /> 2-D
            </label>
            <label>
              <input type="radio" checked={is3d} onChange={() => setPool({ dims: 3 })} data-testid="lab-pool-3d" /> 3-D
            </label>
            <label className="lab-controls">
              H × W{' '}
              <input className="lab-num" type="number" min={1} max={is3d ? LAB_LIMITS.pool3dSide : LAB_LIMITS.side} value={h0} onChange={(e) => Number(e.target.value) >= 1 && setPool({ x: inputs.x.map((g) => resize(g, Number(e.target.value), w0)) })} />×
              <input className="lab-num" type="number" min={1} max={is3d ? LAB_LIMITS.pool3dSide : LAB_LIMITS.side} value={w0} onChange={(e) => Number(e.target.value) >= 1 && setPool({ x: inputs.x.map((g) => resize(g, h0, Number(e.target.value))) })} />
            </label>
            <button onClick={() => inputs.x.length < maxSlices && setPool({ x: [...inputs.x, resize([], h0, w0)] })} disabled={inputs.x.length >= maxSlices}>+ {sliceName}</button>
            <button onClick={() => inputs.x.length > 1 && setPool({ x: inputs.x.slice(0, -1) })} disabled={inputs.x.length <= 1}>− {sliceName}</button>
          </div>
          <div className="lab-stack">
            {inputs.x.map((g, c) => (
              <div key={c} className="lab-labeled">
                <div className="lab-caption mono">X[{c}]{is3d ? ` (depth ${c})` : ''}</div>
                <Grid
                  testId={`lab-px-${c}`} values={g} onChange={(v) => setX(c, v)}
                  pad={spatial ? [spatial[0].p, spatial[0].p, spatial[1].p, spatial[1].p] : undefined} padLabel={padLabel}
                  highlight={depths.includes(c) ? lit : undefined} maxWidth={inputs.x.length > 2 ? 200 : 260} maxCell={40}
                />
              </div>
            ))}
          </div>
        </section>
        <section className="lab-panel lab-settings">
          <h3>{is3d ? (inputs.mode === 'max' ? 'MaxPool3d' : 'AvgPool3d') : inputs.mode === 'max' ? 'MaxPool2d' : 'AvgPool2d'}</h3>
          <div className="lab-controls">
            <label><input type="radio" checked={inputs.mode === 'max'} onChange={() => setPool({ mode: 'max' as PoolMode })} data-testid="lab-pool-max" /> max</label>
            <label><input type="radio" checked={inputs.mode === 'avg'} onChange={() => setPool({ mode: 'avg' as PoolMode })} data-testid="lab-pool-avg" /> average</label>
          </div>
          <div className="lab-fields">
            <Field label="kernel_size" value={inputs.kernel} onChange={(kernel) => setPool({ kernel })} error={parsed.fieldErrors.kernel} help={is3d ? 'Window size: an int or d, h, w' : 'Window size: an int or h, w'} testId="lab-pool-kernel" />
            <Field label="stride" value={inputs.stride} onChange={(stride) => setPool({ stride })} error={parsed.fieldErrors.stride} help="Step between windows (PyTorch's default is the kernel size)" testId="lab-pool-stride" />
            <Field label="padding" value={inputs.padding} onChange={(padding) => setPool({ padding })} error={parsed.fieldErrors.padding} help={`At most half the kernel; counts as ${padLabel}`} testId="lab-pool-padding" />
          </div>
          <div className="lab-formula" data-testid="lab-pool-formula">
            <div className="muted">Output size per dimension: ⌊(n − k + 2p + s) / s⌋</div>
            {formula ? formula.map((f) => <div key={f.dim} className="mono"><span className="lab-dim">{f.dim}</span> {f.text}</div>) : <div className="muted">—</div>}
          </div>
          <div className="muted small-text">
            {inputs.mode === 'max' ? 'Padding is −∞ for max pooling, as in PyTorch: a padded cell never wins.' : 'Padded zeros count in the mean (PyTorch\'s count_include_pad=True).'}
          </div>
        </section>
      </div>
      <div className="lab-row">
        <section className="lab-panel lab-output" data-testid="lab-pool-out">
          <header className="lab-panel-head">
            <h3>Output Y</h3>
            {y && <span className="lab-shape" data-testid="lab-py-shape">{y.length}×{y[0].length}×{y[0][0].length}</span>}
          </header>
          {parsed.problem ? (
            <Problems message={parsed.problem.message} diagnostics={parsed.problem.diagnostics} onFix={onFix} />
          ) : answer.result && !answer.result.ok ? (
            <Problems message={answer.result.error.message} diagnostics={[]} />
          ) : y ? (
            <div className="lab-stack">
              {y.map((g, o) => (
                <div key={o} className="lab-labeled">
                  <div className="lab-caption mono">Y[{o}]{is3d ? ` (depth ${o})` : ''}</div>
                  <Grid testId={`lab-py-${o}`} values={g} active={h?.o === o ? cellKey(h.i, h.j) : null} onHover={(cell) => setHover(cell ? { o, i: cell[0], j: cell[1] } : null)} stale={answer.stale} maxWidth={220} />
                </div>
              ))}
            </div>
          ) : null}
          <EngineLine answer={answer} />
        </section>
        <section className="lab-panel lab-explain-panel">
          <h3>The window</h3>
          <Explain empty="Point at a cell of Y: its window lights up in X and the max or mean is written out.">{explanation ?? undefined}</Explain>
        </section>
      </div>
    </div>
  );
}
