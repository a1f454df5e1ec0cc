/**
 * Results of a run at a checkpoint (issue 12 item 1): accuracy per epoch (train beside val when
 * the trainer reports it), the 10×10 confusion matrix with the classes' names, per-class
 * accuracy, precision and recall, and the misclassified validation images — all of them, or
 * those of the confusion-matrix cell clicked.
 */

import { useMemo, useState } from 'react';
import { CLASS_NAMES, INSIGHT_LIMITS, decodeBytes, type Evaluation, type Misclassified } from '../../shared/insight';
import { useStore, type Store } from '../store/index';
import { cellColors, epochAccuracies, margins, mistakesIn, percent, rowShares } from './confusion';
import { callEvaluate, callImages, callRun } from './engine-calls';
import { PixelImage } from './Pixels';
import { useAnswer } from './use-answer';

const selectInsight = (s: Store) => s.insight;

/** Mistakes shown at once; "More" shows the next page. */
const PAGE = 40;

function EpochTable({ runId, epoch }: { runId: string; epoch: number }) {
  const run = useAnswer('run', { runId }, callRun);
  const rows = useMemo(() => (run.result?.ok ? epochAccuracies(run.result.value.events) : []), [run.result]);
  if (!run.result) return <p className="muted">Reading the run…</p>;
  if (!run.result.ok) return <p className="error-text">{run.result.error.message}</p>;
  const hasTrain = rows.some((r) => r.trainAcc !== null);
  return (
    <table className="insight-table epochs" data-testid="insight-epochs">
      <thead>
        <tr>
          <th className="num">Epoch</th>
          <th className="num" title={hasTrain ? 'Accuracy on the training batches of that epoch' : 'This run\'s trainer did not record train accuracy'}>Train acc</th>
          <th className="num">Val acc</th>
          <th className="num">Train loss</th>
          <th className="num">Val loss</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.epoch} className={r.epoch === epoch ? 'current' : ''} data-epoch={r.epoch} data-val-acc={r.valAcc}>
            <td className="num">{r.epoch}</td>
            <td className="num">{percent(r.trainAcc)}</td>
            <td className="num">{percent(r.valAcc)}</td>
            <td className="num">{r.trainLoss.toFixed(4)}</td>
            <td className="num">{r.valLoss.toFixed(4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConfusionMatrix({ ev }: { ev: Evaluation }) {
  const cell = useStore(selectInsight).cell;
  const shares = rowShares(ev.confusion);
  const { rows, cols, total } = margins(ev.confusion);
  const pick = (label: number, predicted: number) => {
    const same = cell?.label === label && cell.predicted === predicted;
    useStore.getState().setInsight({ cell: same ? null : { label, predicted } });
  };
  return (
    <table className="confusion" data-testid="confusion" data-total={total}>
      <thead>
        <tr>
          <th className="corner">true ↓ · predicted →</th>
          {ev.classNames.map((n, j) => (
            <th key={j} className="pred" title={`predicted ${n}`}><span>{n}</span></th>
          ))}
          <th className="num sum">images</th>
        </tr>
      </thead>
      <tbody>
        {ev.confusion.map((row, i) => (
          <tr key={i}>
            <th className="true">{ev.classNames[i]}</th>
            {row.map((n, j) => {
              const chosen = cell?.label === i && cell.predicted === j;
              const style = cellColors(shares[i][j], i === j);
              return (
                <td
                  key={j}
                  className={`cm-cell${chosen ? ' chosen' : ''}${i === j ? ' diag' : ''}`}
                  style={style}
                  data-testid={`cm-${i}-${j}`}
                  data-count={n}
                  title={`${n} ${ev.classNames[i]} image${n === 1 ? '' : 's'} predicted as ${ev.classNames[j]} (${percent(shares[i][j])} of the row)${i !== j && n > 0 ? ' — click to see them' : ''}`}
                  onClick={() => pick(i, j)}
                >
                  {n}
                </td>
              );
            })}
            <td className="num sum" data-testid={`cm-row-${i}`}>{rows[i]}</td>
          </tr>
        ))}
        <tr>
          <th className="true sum">predicted</th>
          {cols.map((n, j) => <td key={j} className="num sum">{n}</td>)}
          <td className="num sum">{total}</td>
        </tr>
      </tbody>
    </table>
  );
}

function PerClass({ ev }: { ev: Evaluation }) {
  return (
    <table className="insight-table per-class" data-testid="per-class">
      <thead>
        <tr>
          <th>Class</th>
          <th className="num" title="Validation images of the class">Images</th>
          <th className="num" title="Of the class's images, the share classified right (= recall)">Accuracy</th>
          <th className="num" title="Of the images predicted as the class, the share that are">Precision</th>
          <th className="num" title="Of the class's images, the share found">Recall</th>
        </tr>
      </thead>
      <tbody>
        {ev.perClass.map((c) => (
          <tr key={c.classIndex} data-testid={`class-${c.classIndex}`}>
            <td>{c.className}</td>
            <td className="num">{c.count}</td>
            <td className="num"><Bar value={c.count ? c.accuracy : null} /></td>
            <td className="num">{percent(c.precision)}</td>
            <td className="num">{percent(c.recall)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Bar({ value }: { value: number | null }) {
  return (
    <span className="bar-cell">
      <span className="bar" style={{ width: `${Math.round((value ?? 0) * 60)}px` }} />
      {percent(value)}
    </span>
  );
}

function Gallery({ ev }: { ev: Evaluation }) {
  const cell = useStore(selectInsight).cell;
  const [shown, setShown] = useState(PAGE);
  const list = mistakesIn(ev.misclassified, cell);
  const page = list.slice(0, Math.min(shown, INSIGHT_LIMITS.images));
  const images = useAnswer('images', page.length ? { indices: page.map((m) => m.index) } : null, callImages);
  const pixels = useMemo(() => new Map(images.result?.ok ? images.result.value.map((im) => [im.index, decodeBytes(im.pixels)]) : []), [images.result]);
  const diagonal = cell && cell.label === cell.predicted;
  const capped = !cell && ev.misclassifiedTotal > ev.misclassified.length;
  return (
    <section className="insight-panel gallery-panel">
      <div className="panel-head">
        <h3>Misclassified images</h3>
        <span className="muted" data-testid="gallery-caption">
          {cell
            ? diagonal
              ? `${CLASS_NAMES[cell.label]} classified right: ${ev.confusion[cell.label][cell.label]} images (the gallery shows mistakes; click an off-diagonal cell)`
              : `${CLASS_NAMES[cell.label]} predicted as ${CLASS_NAMES[cell.predicted]}: ${list.length}`
            : `${ev.misclassifiedTotal} of ${ev.samples}, most confident first${capped ? ` (the ${ev.misclassified.length} most confident listed)` : ''}`}
        </span>
        {cell && <button className="link" data-testid="gallery-all" onClick={() => useStore.getState().setInsight({ cell: null })}>show all</button>}
      </div>
      {images.result && !images.result.ok && <p className="error-text">{images.result.error.message}</p>}
      <div className="gallery" data-testid="gallery" data-count={page.length}>
        {page.map((m) => <Thumb key={m.index} m={m} bytes={pixels.get(m.index) ?? null} />)}
      </div>
      {list.length > page.length && page.length < INSIGHT_LIMITS.images && (
        <button onClick={() => setShown(shown + PAGE)} data-testid="gallery-more">More ({list.length - page.length} left)</button>
      )}
    </section>
  );
}

function Thumb({ m, bytes }: { m: Misclassified; bytes: Uint8Array | null }) {
  const inspect = () => {
    const s = useStore.getState();
    s.chooseImage(0, { source: 'validation', index: m.index });
    s.setInsight({ section: 'inside', camClass: null });
  };
  return (
    <button className="thumb" data-testid={`mistake-${m.index}`} data-label={m.label} data-predicted={m.predicted} onClick={inspect} title={`Test image ${m.index}: a ${CLASS_NAMES[m.label]} the network took for a ${CLASS_NAMES[m.predicted]} (${percent(m.confidence)}). Click to look inside.`}>
      {bytes ? <PixelImage bytes={bytes} width={28} height={28} scale={2} /> : <span className="thumb-blank" />}
      <span className="thumb-true">{CLASS_NAMES[m.label]}</span>
      <span className="thumb-pred">→ {CLASS_NAMES[m.predicted]} {Math.round(m.confidence * 100)}%</span>
    </button>
  );
}

export function ResultsSection() {
  const { runId, epoch, cell } = useStore(selectInsight);
  const ev = useAnswer('evaluate', runId ? { runId, epoch } : null, callEvaluate);
  if (!runId) return null;
  const value = ev.result?.ok ? ev.result.value : null;
  return (
    <div className="insight-section" data-testid="insight-results">
      {!ev.result && <p className="muted" data-testid="evaluating">Evaluating the checkpoint on the run&apos;s validation images…</p>}
      {ev.result && !ev.result.ok && <p className="error-text" data-testid="insight-error">{ev.result.error.message}</p>}
      {value && (
        <>
          <div className={`insight-summary${ev.stale ? ' stale' : ''}`} data-testid="eval-summary" data-epoch={value.epoch} data-accuracy={value.accuracy} data-samples={value.samples}>
            <strong>Epoch {value.epoch}</strong>: accuracy <strong data-testid="eval-accuracy">{percent(value.accuracy)}</strong> on {value.samples.toLocaleString('en-US')} validation images, loss {value.loss.toFixed(4)}
            <span className="muted"> · {value.cached ? 'from the run folder\'s cache' : `evaluated in ${value.seconds.toFixed(1)} s`} on {value.backend} · checkpoint {value.checkpoint}</span>
          </div>
          <div className="insight-row">
            <section className="insight-panel">
              <div className="panel-head">
                <h3>Confusion matrix</h3>
                <span className="muted">rows: true class · click a cell to see its images</span>
              </div>
              <ConfusionMatrix ev={value} />
            </section>
            <div className="insight-col">
              <section className="insight-panel">
                <div className="panel-head"><h3>Per class</h3></div>
                <PerClass ev={value} />
              </section>
              <section className="insight-panel">
                <div className="panel-head"><h3>Accuracy per epoch</h3></div>
                <EpochTable runId={runId} epoch={value.epoch} />
              </section>
            </div>
          </div>
          {/* A new cell starts its gallery at the first page. */}
          <Gallery key={cell ? `${cell.label}-${cell.predicted}` : 'all'} ev={value} />
        </>
      )}
    </div>
  );
}
