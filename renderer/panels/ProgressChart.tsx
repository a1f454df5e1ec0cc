/**
 * Live curves like d2l's ProgressBoard: train loss per batch, val loss and val acc per epoch,
 * on an x axis in epochs. Other runs can be drawn beside the shown one: each run has its colour,
 * each metric its line style, and the legend below names every run with its settings. The d2l
 * book's figure for the matching template can be drawn as a reference.
 */

import { useEffect, useEffectEvent, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RunData } from '../store/training-slice';
import type { BookFigure } from '../runs/book-reference';
import { epochSplits, tickLabels } from './chart-axes';

export interface ChartRun {
  run: RunData;
  /** The run's name in the legend. */
  name: string;
  /** Its key settings ("SGD · lr 0.1 · …"). */
  settings: string;
}

/** d2l 1.0.3's ProgressBoard draws these three; train accuracy is read out beside the run instead. */
type Metric = 'train loss' | 'val loss' | 'val acc';
type Series = { label: string; points: { x: number; y: number }[]; scale: 'loss' | 'acc'; color: string; dash?: number[]; width: number; points_: boolean };

/** One colour per metric while a single run is shown (d2l's ProgressBoard look). */
const METRIC_COLOURS: Record<Metric, string> = { 'train loss': '#1f77b4', 'val loss': '#ff7f0e', 'val acc': '#2ca02c' };
/** One colour per run once several are compared (Tableau 10, minus the metric colours' clash with the book's grey). */
export const RUN_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#bcbd22'];
const BOOK_COLOUR = '#555555';
/** How each metric is drawn when colour tells runs apart. */
const METRIC_STYLE: Record<Metric, { dash?: number[]; width: number; points: boolean }> = {
  'train loss': { width: 1, points: false },
  'val loss': { dash: [6, 4], width: 2, points: true },
  'val acc': { width: 2, points: true },
};

export const runColour = (i: number): string => RUN_COLOURS[i % RUN_COLOURS.length];

function seriesOf(r: ChartRun, i: number, several: boolean): Series[] {
  const { run } = r;
  const prefix = several ? `${r.name}: ` : '';
  const metric = (m: Metric, points: { x: number; y: number }[], scale: 'loss' | 'acc'): Series => ({
    label: `${prefix}${m}`, points, scale,
    color: several ? runColour(i) : METRIC_COLOURS[m],
    dash: several ? METRIC_STYLE[m].dash : undefined,
    width: METRIC_STYLE[m].width,
    points_: METRIC_STYLE[m].points,
  });
  const out = [
    metric('train loss', run.batches.map((b) => ({ x: b.x, y: b.loss })), 'loss'),
    metric('val loss', run.epochRows.map((e) => ({ x: e.epoch, y: e.val_loss })), 'loss'),
    metric('val acc', run.epochRows.map((e) => ({ x: e.epoch, y: e.val_acc })), 'acc'),
  ];
  return out;
}

/** The book's figure: a dotted level from epoch 0 to its epoch, marked at that epoch. */
function bookSeries(book: BookFigure): Series {
  return { label: `d2l ${book.label} val acc (book)`, points: [{ x: 0, y: book.valAcc }, { x: book.epoch, y: book.valAcc }], scale: 'acc', color: BOOK_COLOUR, dash: [2, 4], width: 1.5, points_: true };
}

/** uPlot wants one shared x array; series without a point at an x get null there. */
function align(series: Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const p of s.points) col[at.get(p.x)!] = p.y;
    return col;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

const HEIGHT = 220;

export function ProgressChart({ runs, book }: { runs: ChartRun[]; book: BookFigure | null }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const several = runs.length > 1;
  const series = [...runs.flatMap((r, i) => seriesOf(r, i, several)), ...(book ? [bookSeries(book)] : [])];
  const shapeKey = series.map((s) => `${s.label}/${s.color}`).join('|');

  // Reads the current series when the plot is (re)built, without making every new point a rebuild.
  const createPlot = useEffectEvent((el: HTMLDivElement): uPlot => {
    const opts: uPlot.Options = {
      width: el.clientWidth || 320,
      height: HEIGHT,
      // The legend below names runs and settings; uPlot's own would repeat every metric per run.
      legend: { show: false },
      scales: { x: { time: false }, loss: { auto: true }, acc: { range: [0, 1] } },
      axes: [
        {
          label: 'epoch', size: 36, space: 56,
          splits: (u, _axis, min, max) => epochSplits(min, max, u.bbox.width / (window.devicePixelRatio || 1)).splits,
          values: (u, splits) => tickLabels(splits, epochSplits(u.scales.x.min ?? 0, u.scales.x.max ?? 1, u.bbox.width / (window.devicePixelRatio || 1)).step),
        },
        { scale: 'loss', label: 'loss', size: 50, space: 30, values: (_u, splits, _axis, _space, incr) => tickLabels(splits, incr) },
        { scale: 'acc', side: 1, label: 'acc', size: 44, space: 30, grid: { show: false }, values: (_u, splits, _axis, _space, incr) => tickLabels(splits, incr) },
      ],
      series: [
        { label: 'epoch' },
        ...series.map((s) => ({
          label: s.label,
          scale: s.scale,
          stroke: s.color,
          width: s.width,
          dash: s.dash,
          spanGaps: true,
          // The book's level is marked only where the figure is: at its last point.
          points: { show: s.points_, size: 6, ...(s.label.endsWith('(book)') ? { filter: (u: uPlot, i: number, show: boolean) => (show ? lastIndexOf(u, i) : null) } : {}) },
        })),
      ],
    };
    return new uPlot(opts, align(series), el);
  });

  useEffect(() => {
    const el = box.current;
    if (!el || shapeKey === '') return;
    const u = createPlot(el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth || 320, height: HEIGHT }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [shapeKey]);

  useEffect(() => {
    plot.current?.setData(align(series));
  });

  return (
    <div className="chart-wrap">
      <div className="chart" ref={box} data-testid="chart" data-points={series.reduce((k, s) => k + s.points.length, 0)} data-series={series.length} data-runs={runs.length} />
      {series.length > 0 && <ChartLegend runs={runs} book={book} several={several} />}
    </div>
  );
}

/** The one point of a series that is not null, at its largest x: the book's epoch-10 mark. */
function lastIndexOf(u: uPlot, seriesIdx: number): number[] | null {
  const ys = u.data[seriesIdx];
  for (let i = ys.length - 1; i >= 0; i--) if (ys[i] != null) return [i];
  return null;
}

function Swatch({ colour, dash }: { colour: string; dash?: number[] }) {
  return (
    <svg width="22" height="10" aria-hidden="true" className="swatch">
      <line x1="1" y1="5" x2="21" y2="5" stroke={colour} strokeWidth="2" strokeDasharray={dash?.join(' ')} />
    </svg>
  );
}

function ChartLegend({ runs, book, several }: { runs: ChartRun[]; book: BookFigure | null; several: boolean }) {
  const metrics: Metric[] = ['train loss', 'val loss', 'val acc'];
  return (
    <div className="chart-legend" data-testid="chart-legend">
      <div className="legend-metrics">
        {metrics.map((m) => (
          <span key={m} className="legend-item">
            <Swatch colour={several ? '#444' : METRIC_COLOURS[m]} dash={several ? METRIC_STYLE[m].dash : undefined} /> {m}
          </span>
        ))}
      </div>
      {several && (
        <ul className="legend-runs">
          {runs.map((r, i) => (
            <li key={r.run.runId} data-testid="legend-run" data-colour={runColour(i)}>
              <span className="legend-dot" style={{ background: runColour(i) }} />
              <strong>{r.name}</strong>
              {i === 0 ? <span className="muted"> (shown)</span> : null}
              <span className="muted"> {r.settings}</span>
            </li>
          ))}
        </ul>
      )}
      {book && (
        <p className="legend-book muted" data-testid="legend-book">
          <Swatch colour={BOOK_COLOUR} dash={[2, 4]} /> d2l 1.0.3 (PyTorch), §{book.section}: {book.label} reached {book.valAcc.toFixed(3)} val acc after {book.epoch} epochs (the book&apos;s final figure only, not its curve).
        </p>
      )}
    </div>
  );
}
