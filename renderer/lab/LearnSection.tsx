/**
 * d2l 7.2.4: learning a kernel. From X and a target Y (by default the edge image and what
 * [1, −1] makes of it), the engine runs the notebook's loop — a bias-free Conv2d starting where
 * PyTorch's LazyConv2d would under torch.manual_seed, SGD on Σ (Ŷ − Y)² — and the page shows the
 * loss per step and the kernel converging.
 */

import { useMemo } from 'react';
import { checkCorrelate, checkLearn } from '../../shared/lab/check';
import { INPUT_PRESETS, KERNEL_PRESETS, LEARN_SCENES, inputPreset, kernelPreset } from '../../shared/lab/presets';
import type { Grid as NumGrid, LearnRequest, LearnResult } from '../../shared/lab/types';
import { useStore } from '../store/index';
import { EngineLine, Scenes, UseKernel } from './common';
import { correlateCall, learnCall } from './engine-calls';
import { Field, looseSpec, parseField, Problems } from './fields';
import { fmt, parseGrid, presetMatching, toText } from './format';
import { Grid } from './Grid';
import { GridEditor } from './GridEditor';
import type { LearnInputs } from './lab-slice';
import { useLabResult } from './use-lab-result';

const selectInputs = (s: { lab: { learn: LearnInputs } }) => s.lab.learn;
const KERNEL_SPEC = looseSpec('Conv2d', 'kernel_size');
const X_PRESETS = INPUT_PRESETS.map(({ id, label, about }) => ({ id, label, about }));
const K_PRESETS = KERNEL_PRESETS.map(({ id, label, about }) => ({ id, label, about }));

const num = (t: string): number | string => (t.trim() !== '' && Number.isFinite(Number(t)) ? Number(t) : t);

/** The loss per step on a log scale, the notebook's printout as a curve. */
function LossChart({ steps }: { steps: LearnResult['steps'] }) {
  const W = 400;
  const H = 190;
  const pad = { l: 52, r: 12, t: 10, b: 30 };
  const losses = steps.map((s) => Math.max(s.loss, 1e-12));
  if (!losses.length) return null;
  const lo = Math.floor(Math.log10(Math.min(...losses)));
  const hi = Math.ceil(Math.log10(Math.max(...losses)));
  const span = Math.max(1, hi - lo);
  const x = (i: number) => pad.l + (steps.length === 1 ? 0 : (i / (steps.length - 1)) * (W - pad.l - pad.r));
  const y = (v: number) => pad.t + ((hi - Math.log10(v)) / span) * (H - pad.t - pad.b);
  const ticks = Array.from({ length: span + 1 }, (_, i) => hi - i);
  const every = Math.max(1, Math.ceil(steps.length / 10));
  return (
    <svg className="lab-chart" width={W} height={H} role="img" aria-label="loss per step" data-testid="lab-loss-chart">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={pad.l} x2={W - pad.r} y1={y(10 ** t)} y2={y(10 ** t)} stroke="#e5e7eb" />
          <text x={pad.l - 6} y={y(10 ** t) + 4} textAnchor="end" fontSize="11" fill="#66707d">{t === 0 ? '1' : `10${t < 0 ? '⁻' : ''}${String(Math.abs(t)).replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)])}`}</text>
        </g>
      ))}
      <polyline fill="none" stroke="var(--accent)" strokeWidth="2" points={losses.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
      {losses.map((v, i) => <circle key={i} cx={x(i)} cy={y(v)} r={steps.length > 60 ? 1.5 : 3} fill="var(--accent)"><title>step {i + 1}: loss {fmt(v)}</title></circle>)}
      {steps.map((s, i) => (i % every === 0 || i === steps.length - 1 ? <text key={s.step} x={x(i)} y={H - 12} textAnchor="middle" fontSize="11" fill="#66707d">{s.step}</text> : null))}
      <text x={(W + pad.l) / 2} y={H - 1} textAnchor="middle" fontSize="11" fill="#66707d">step</text>
      <text x={12} y={H / 2} textAnchor="middle" fontSize="11" fill="#66707d" transform={`rotate(-90 12 ${H / 2})`}>Σ (Ŷ − Y)²</text>
    </svg>
  );
}

const flatText = (g: NumGrid) => `[${g.map((r) => `[${r.map(fmt).join(', ')}]`).join(', ')}]`;

export function LearnSection() {
  const inputs = useStore(selectInputs);
  const { setLearn, loadLearnScene } = useStore.getState();
  const target = useMemo(() => checkCorrelate({ x: [parseGrid(inputs.x)], k: [[parseGrid(inputs.target)]] }), [inputs.x, inputs.target]);
  const yAnswer = useLabResult(target.ok ? target.value.request : null, correlateCall);
  const y = yAnswer.result?.ok && !yAnswer.stale ? yAnswer.result.value.y[0] : null;

  const kernelField = useMemo(() => parseField(KERNEL_SPEC, inputs.kernel), [inputs.kernel]);
  const learnCheck = useMemo(() => {
    if (!y || 'error' in kernelField) return null;
    return checkLearn({ x: parseGrid(inputs.x), y, kernel: kernelField.value, lr: num(inputs.lr), steps: num(inputs.steps), seed: num(inputs.seed) });
  }, [y, kernelField, inputs.x, inputs.lr, inputs.steps, inputs.seed]);
  const request: LearnRequest | null = learnCheck?.ok ? learnCheck.value.request : null;
  const answer = useLabResult(request, learnCall);
  const res = answer.result?.ok ? answer.result.value : null;
  const last = res?.steps.at(-1) ?? null;
  const targetNums = target.ok ? target.value.request.k[0][0] : null;
  const sameShape = last && targetNums && last.kernel.length === targetNums.length && last.kernel[0].length === targetNums[0].length;
  const distance = sameShape ? Math.max(...last.kernel.flatMap((r, i) => r.map((v, j) => Math.abs(v - targetNums[i][j])))) : null;
  const grew = res && res.steps.length > 2 && res.steps[res.steps.length - 1].loss > res.steps[0].loss;

  return (
    <div className="lab-section" data-testid="lab-learn">
      <Scenes scenes={LEARN_SCENES} current={inputs.scene} onPick={loadLearnScene} testId="lab-learn-scene" />
      <div className="lab-row">
        <GridEditor title="Input X" testId="lab-lx" grid={inputs.x} onChange={(x) => setLearn({ x })} presets={X_PRESETS} preset={presetMatching(INPUT_PRESETS.map((p) => ({ id: p.id, grid: p.x })), inputs.x)} onPreset={(id) => setLearn({ x: toText(inputPreset(id)!.x) })} maxWidth={330} maxCell={36} />
        <div className="lab-op" aria-hidden>⋆</div>
        <GridEditor title="Target kernel" testId="lab-lt" grid={inputs.target} onChange={(t) => setLearn({ target: t })} presets={K_PRESETS} preset={presetMatching(KERNEL_PRESETS.map((p) => ({ id: p.id, grid: p.k })), inputs.target)} onPreset={(id) => setLearn({ target: toText(kernelPreset(id)!.k) })} maxSide={8} maxWidth={200} maxCell={36} />
        <div className="lab-op" aria-hidden>=</div>
        <section className="lab-panel lab-output">
          <header className="lab-panel-head">
            <h3>Target Y</h3>
            {y && <span className="lab-shape" data-testid="lab-ly-shape">{y.length}×{y[0].length}</span>}
          </header>
          {!target.ok ? <Problems message={target.error.message} diagnostics={target.error.diagnostics} testId="lab-target-problem" /> : y ? <Grid testId="lab-ly" values={y} maxWidth={330} maxCell={36} /> : null}
          <div className="muted small-text">The kernel is learned from X and Y alone.</div>
        </section>
      </div>
      <div className="lab-row">
        <section className="lab-panel lab-learn-settings">
          <h3>SGD, as in the notebook</h3>
          <div className="lab-fields">
            <Field label="kernel shape" value={inputs.kernel} onChange={(kernel) => setLearn({ kernel })} error={'error' in kernelField ? kernelField.error : null} help="The learned kernel's size, h×w (the notebook's is 1×2)" testId="lab-learn-kernel" />
            <Field label="learning rate" value={inputs.lr} onChange={(lr) => setLearn({ lr })} help="The notebook's lr = 3e-2" testId="lab-learn-lr" />
            <Field label="steps" value={inputs.steps} onChange={(steps) => setLearn({ steps })} help="SGD steps (the notebook's 10 epochs)" testId="lab-learn-steps" />
            <Field label="seed" value={inputs.seed} onChange={(seed) => setLearn({ seed })} help="torch.manual_seed: the start is PyTorch's own draw for it" testId="lab-learn-seed" />
          </div>
          <div className="mono small-text">
            Ŷ = conv2d(X) (no bias) · loss = Σ (Ŷ − Y)² · K ← K − lr · ∂loss/∂K
          </div>
          {res && (
            <div className="small-text" data-testid="lab-learn-start">
              Start (PyTorch's LazyConv2d after torch.manual_seed({inputs.seed})): <span className="mono">{flatText(res.initial)}</span>
            </div>
          )}
          {learnCheck && !learnCheck.ok && <Problems message={learnCheck.error.message} diagnostics={learnCheck.error.diagnostics} testId="lab-learn-problem" />}
          {answer.result && !answer.result.ok && <Problems message={answer.result.error.message} diagnostics={[]} testId="lab-learn-problem" />}
          {res?.diverged && <div className="lab-problem" data-testid="lab-learn-diverged">{res.diverged.message}</div>}
          {!res?.diverged && grew && <div className="lab-problem" data-testid="lab-learn-diverged">The loss grew from {fmt(res.steps[0].loss)} to {fmt(res.steps[res.steps.length - 1].loss)}: each step overshoots. Lower the learning rate.</div>}
        </section>
        {res && (
          <section className="lab-panel">
            <h3>Loss per step</h3>
            <LossChart steps={res.steps} />
          </section>
        )}
        {res && last && (
          <section className="lab-panel" data-testid="lab-learned">
            <h3>Learned kernel after {last.step} steps</h3>
            <Grid testId="lab-learned-k" values={last.kernel} maxWidth={220} maxCell={64} bare stale={answer.stale} />
            <div className="small-text" data-testid="lab-learned-loss">loss at step {last.step}: <b className="mono">{fmt(last.loss)}</b>{res.finalLoss !== null ? <> · after it: <span className="mono">{fmt(res.finalLoss)}</span></> : null}</div>
            {distance !== null && <div className="small-text" data-testid="lab-learned-distance">largest |K − target| = <b className="mono">{fmt(distance)}</b></div>}
            <UseKernel kernel={last.kernel} conv={{ stride: 1, padding: 0, dilation: 1 }} testId="lab-use-learned" />
          </section>
        )}
      </div>
      {res && (
        <section className="lab-panel">
          <h3>Step by step (the loss is taken before each step's update, as the notebook prints it)</h3>
          <div className="lab-steps">
            <table data-testid="lab-learn-steps">
              <thead><tr><th>step</th><th>loss</th><th>kernel after the step</th></tr></thead>
              <tbody>
                {res.steps.map((s) => (
                  <tr key={s.step}><td>{s.step}</td><td className="mono">{fmt(s.loss)}</td><td className="mono">{flatText(s.kernel)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
          <EngineLine answer={answer} />
        </section>
      )}
    </div>
  );
}
