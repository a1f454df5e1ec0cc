/**
 * d2l 7.2–7.3: cross-correlation of an input X with a kernel K, with padding, stride and
 * dilation. The output Y comes from the engine; the size formula is written out with the
 * numbers; hovering an output cell outlines its window in X (padding included) and writes out
 * the sum of products that made it.
 */

import { useMemo, useState } from 'react';
import type { Fix, ParamValue } from '../../shared/graph/types';
import { tryResolveParams } from '../../shared/graph/resolve';
import type { Conv2dParams } from '../../shared/layers/conv2d';
import { checkCorrelate, type CheckedCorrelate } from '../../shared/lab/check';
import { correlateGraph } from '../../shared/lab/graphs';
import { CORRELATE_SCENES, INPUT_PRESETS, KERNEL_PRESETS, inputPreset, kernelPreset } from '../../shared/lab/presets';
import type { CorrelateRequest, LabProblem } from '../../shared/lab/types';
import { windowCells } from '../../shared/lab/windows';
import { useStore } from '../store/index';
import { EngineLine, Explain, Scenes, UseKernel } from './common';
import { correlateCall, fashionImageCall } from './engine-calls';
import { Field, fieldText, looseSpec, parseField, Problems } from './fields';
import { factor, fmt, numbers, parseGrid, presetMatching, toText } from './format';
import { sizeFormula } from './formula';
import { Grid, cellKey } from './Grid';
import { GridEditor } from './GridEditor';
import { useLabResult } from './use-lab-result';
import type { CorrelateInputs } from './lab-slice';

const SPECS = { stride: looseSpec('Conv2d', 'stride'), padding: looseSpec('Conv2d', 'padding'), dilation: looseSpec('Conv2d', 'dilation') };
const FIELDS = ['stride', 'padding', 'dilation'] as const;
const selectInputs = (s: { lab: { correlate: CorrelateInputs } }) => s.lab.correlate;

const X_PRESETS = [...INPUT_PRESETS.map(({ id, label, about }) => ({ id, label, about })), { id: 'fashion', label: 'a Fashion-MNIST image…', about: 'Any image of the Fashion-MNIST test set, 28×28, pixels in [0, 1]' }];
const K_PRESETS = KERNEL_PRESETS.map(({ id, label, about }) => ({ id, label, about }));

interface Parsed {
  fieldErrors: Partial<Record<(typeof FIELDS)[number], string>>;
  settings: Record<(typeof FIELDS)[number], ParamValue | null>;
  checked: CheckedCorrelate | null;
  problem: LabProblem | null;
}

/** The Conv2d's params as the canvas resolves them, when each one is valid even if the whole is not. */
function resolvedConv(x: number[][], k: number[][], settings: Parsed['settings']): Conv2dParams | null {
  if (FIELDS.some((f) => settings[f] === null)) return null;
  const doc = correlateGraph([1, x.length, x[0].length], [[k]], { stride: settings.stride!, padding: settings.padding!, dilation: settings.dilation! });
  return tryResolveParams(doc.nodes[1]).params as Conv2dParams | null;
}

/** The inputs on screen as the request the engine gets, checked here first (the Node side checks again). */
export function parseCorrelate(inputs: CorrelateInputs): Parsed {
  const fieldErrors: Parsed['fieldErrors'] = {};
  const settings = {} as Parsed['settings'];
  for (const f of FIELDS) {
    const p = parseField(SPECS[f], inputs[f]);
    if ('error' in p) fieldErrors[f] = p.error;
    settings[f] = 'value' in p ? p.value : null;
  }
  const firstError = FIELDS.find((f) => fieldErrors[f]);
  if (firstError) return { fieldErrors, settings, checked: null, problem: { message: `${fieldErrors[firstError]}.`, diagnostics: [] } };
  const r = checkCorrelate({ x: [parseGrid(inputs.x)], k: [[parseGrid(inputs.k)]], ...settings });
  return r.ok ? { fieldErrors, settings, checked: r.value, problem: null } : { fieldErrors, settings, checked: null, problem: r.error };
}

export function CorrelateSection() {
  const inputs = useStore(selectInputs);
  const { setCorrelate, loadCorrelateScene } = useStore.getState();
  const parsed = useMemo(() => parseCorrelate(inputs), [inputs]);
  const request: CorrelateRequest | null = parsed.checked?.request ?? null;
  const answer = useLabResult(request, correlateCall);
  const [hover, setHover] = useState<[number, number] | null>(null);
  const [fashionError, setFashionError] = useState<string | null>(null);

  const y = answer.result?.ok ? answer.result.value.y[0] : null;
  const conv = parsed.checked?.conv ?? null;
  const xNums = numbers(inputs.x);
  const kNums = numbers(inputs.k);
  const hoverValid = hover && y && conv && xNums && kNums && hover[0] < y.length && hover[1] < y[0].length ? hover : null;
  const cells = hoverValid && conv ? windowCells(hoverValid[0], hoverValid[1], conv) : [];
  const lit = new Set(cells.map((c) => cellKey(c.i, c.j)));

  const onFix = (fix: Fix): boolean => {
    if (fix.kind !== 'setParam' || !(FIELDS as readonly string[]).includes(fix.param)) return false;
    setCorrelate({ [fix.param]: fieldText(fix.value) });
    return true;
  };

  const loadFashion = async (indexText: string) => {
    const index = Number(indexText);
    const r = await fashionImageCall({ index });
    if (!r.ok) return setFashionError(r.error.message);
    setFashionError(null);
    setCorrelate({ x: toText(r.value.pixels), xSource: 'fashion', fashionIndex: String(r.value.index), fashionLabel: `${r.value.className} (label ${r.value.label})` });
  };

  const sized = conv ?? (xNums && kNums ? resolvedConv(xNums, kNums, parsed.settings) : null);
  const lines = sized && xNums ? [
    sizeFormula('height', xNums.length, sized.kernel[0], sized.stride[0], sized.padding[0], sized.padding[1], sized.dilation[0]),
    sizeFormula('width', xNums[0].length, sized.kernel[1], sized.stride[1], sized.padding[2], sized.padding[3], sized.dilation[1]),
  ] : null;
  // For a refused request the numbers are shown only where they are the reason: a size reaching 0 or below.
  const formula = lines && (conv || lines.some((l) => l.out < 1)) ? lines : null;

  let explanation = null;
  if (hoverValid && y && xNums && kNums && cells.length) {
    const [oi, oj] = hoverValid;
    const inside = (c: { i: number; j: number }) => c.i >= 0 && c.i < xNums.length && c.j >= 0 && c.j < xNums[0].length;
    const clip = (t: string[]) => (t.length > 16 ? [...t.slice(0, 12), `… (${t.length - 12} more)`] : t);
    const names = cells.map((c) => `${inside(c) ? `X[${c.i}, ${c.j}]` : 'pad'}·K[${c.ki}, ${c.kj}]`);
    const terms = cells.map((c) => `${inside(c) ? factor(xNums[c.i][c.j]) : '0'}·${factor(kNums[c.ki][c.kj])}`);
    explanation = (
      <>
        <div>
          <b>Y[{oi}, {oj}]</b> is the sum of X's window (outlined in X{cells.some((c) => !inside(c)) ? '; padding counts 0' : ''}) times K, cell by cell:
        </div>
        <div className="mono muted">{clip(names).join(' + ')}</div>
        <div className="mono" data-testid="lab-explain-sum">= {clip(terms).join(' + ')} = <b>{fmt(y[oi][oj])}</b></div>
      </>
    );
  }

  return (
    <div className="lab-section" data-testid="lab-correlate">
      <Scenes scenes={CORRELATE_SCENES} current={inputs.scene} onPick={loadCorrelateScene} testId="lab-scene" />
      <div className="lab-row">
        <GridEditor
          title={<>Input X</>}
          testId="lab-x"
          grid={inputs.x}
          onChange={(x) => setCorrelate({ x, xSource: '' })}
          presets={X_PRESETS}
          preset={inputs.xSource === 'scene' ? presetMatching(INPUT_PRESETS.map((p) => ({ id: p.id, grid: p.x })), inputs.x) : inputs.xSource}
          onPreset={(id) => (id === 'fashion' ? void loadFashion(inputs.fashionIndex) : setCorrelate({ x: toText(inputPreset(id)!.x), xSource: id }))}
          extra={inputs.xSource === 'fashion' ? (
            <div className="lab-controls">
              <label>
                Test image #{' '}
                <input className="lab-num wide" type="number" min={0} max={9999} value={inputs.fashionIndex} onChange={(e) => { setCorrelate({ fashionIndex: e.target.value, xSource: 'fashion' }); void loadFashion(e.target.value); }} data-testid="lab-fashion-index" />
              </label>
              <span className="muted" data-testid="lab-fashion-label">{inputs.fashionLabel}</span>
            </div>
          ) : fashionError ? <div className="field-error">{fashionError}</div> : null}
          pad={conv?.padding}
          padLabel="0"
          highlight={lit}
          maxWidth={340}
          customLabel={inputs.scene ? 'the scene\'s values' : 'your own values'}
        />
        <div className="lab-op" aria-hidden>⋆</div>
        <GridEditor
          title="Kernel K"
          testId="lab-k"
          grid={inputs.k}
          onChange={(k) => setCorrelate({ k, kSource: '' })}
          presets={K_PRESETS}
          preset={inputs.kSource === 'scene' ? presetMatching(KERNEL_PRESETS.map((p) => ({ id: p.id, grid: p.k })), inputs.k) : inputs.kSource}
          onPreset={(id) => setCorrelate({ k: toText(kernelPreset(id)!.k), kSource: id })}
          maxSide={16}
          customLabel={inputs.scene ? 'the scene\'s values' : 'your own values'}
          highlight={hoverValid ? new Set(cells.map((c) => cellKey(c.ki, c.kj))) : undefined}
          maxWidth={220}
          footer={<UseKernel kernel={kNums} conv={{ stride: parsed.settings.stride ?? 1, padding: parsed.settings.padding ?? 0, dilation: parsed.settings.dilation ?? 1 }} />}
        />
        <div className="lab-op" aria-hidden>=</div>
        <section className="lab-panel lab-output">
          <header className="lab-panel-head">
            <h3>Output Y</h3>
            {y && <span className="lab-shape" data-testid="lab-y-shape">{y.length}×{y[0].length}</span>}
          </header>
          {parsed.problem ? (
            <Problems message={parsed.problem.message} diagnostics={parsed.problem.diagnostics} onFix={onFix} />
          ) : answer.result && !answer.result.ok ? (
            <Problems message={answer.result.error.message} diagnostics={[]} />
          ) : y ? (
            <Grid testId="lab-y" values={y} active={hoverValid ? cellKey(hoverValid[0], hoverValid[1]) : null} onHover={setHover} stale={answer.stale} maxWidth={340} />
          ) : null}
          <EngineLine answer={answer} />
        </section>
      </div>
      <div className="lab-row lab-below">
        <section className="lab-panel lab-settings">
          <h3>Padding, stride, dilation</h3>
          <div className="lab-fields">
            <Field label="padding" value={inputs.padding} onChange={(padding) => setCorrelate({ padding })} error={parsed.fieldErrors.padding} help="Zeros added on each side: an int, h, w, &quot;same&quot; or &quot;valid&quot; (d2l 7.3.1)" testId="lab-padding" />
            <Field label="stride" value={inputs.stride} onChange={(stride) => setCorrelate({ stride })} error={parsed.fieldErrors.stride} help="Step between windows: an int or h, w (d2l 7.3.2)" testId="lab-stride" />
            <Field label="dilation" value={inputs.dilation} onChange={(dilation) => setCorrelate({ dilation })} error={parsed.fieldErrors.dilation} help="Spacing between the kernel's taps: an int or h, w" testId="lab-dilation" />
          </div>
          <div className="lab-formula" data-testid="lab-formula">
            <div className="muted">Output size per dimension (d2l 7.3): ⌊(n − k + p + s) / s⌋, p = padding on both sides</div>
            {formula ? formula.map((f) => (
              <div key={f.dim} className="mono"><span className="lab-dim">{f.dim}</span> {f.text}</div>
            )) : <div className="muted">—</div>}
          </div>
        </section>
        <section className="lab-panel lab-explain-panel">
          <h3>Sum of products</h3>
          <Explain empty="Point at a cell of Y: its window lights up in X and the sum that made it is written out here.">{explanation ?? undefined}</Explain>
        </section>
      </div>
    </div>
  );
}
