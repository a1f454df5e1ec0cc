/**
 * Live curves like d2l's ProgressBoard: train loss per batch, val loss and val acc per epoch,
 * on an x axis in epochs; a second run can be overlaid dashed for comparison.
 */

import { useEffect, useEffectEvent, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RunData } from '../store/training-slice';

type Series = { label: string; points: { x: number; y: number }[]; scale: 'loss' | 'acc'; color: string; dash?: number[]; dotsOnly?: boolean };

function seriesOf(run: RunData, prefix: string, dash?: number[]): Series[] {
  return [
    { label: `${prefix}train loss`, points: run.batches.map((b) => ({ x: b.x, y: b.loss })), scale: 'loss', color: '#1f77b4', dash },
    { label: `${prefix}val loss`, points: run.epochRows.map((r) => ({ x: r.epoch, y: r.val_loss })), scale: 'loss', color: '#ff7f0e', dash },
    { label: `${prefix}val acc`, points: run.epochRows.map((r) => ({ x: r.epoch, y: r.val_acc })), scale: 'acc', color: '#2ca02c', dash },
  ];
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

export function ProgressChart({ run, overlay }: { run: RunData | null; overlay: RunData | null }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const series = [...(run ? seriesOf(run, '') : []), ...(overlay ? seriesOf(overlay, `${overlay.runId.slice(-6)} `, [6, 4]) : [])];
  const shapeKey = series.map((s) => s.label).join('|');

  // Reads the current series when the plot is (re)built, without making every new point a rebuild.
  const createPlot = useEffectEvent((el: HTMLDivElement): uPlot => {
    const opts: uPlot.Options = {
      width: el.clientWidth || 320,
      height: 220,
      legend: { show: true, live: false },
      scales: { x: { time: false }, loss: { auto: true }, acc: { range: [0, 1] } },
      axes: [
        { label: 'epoch', size: 36 },
        { scale: 'loss', label: 'loss', size: 44 },
        { scale: 'acc', side: 1, label: 'acc', size: 40, grid: { show: false } },
      ],
      series: [
        { label: 'epoch', value: (_u, v) => (v == null ? '' : v.toFixed(2)) },
        ...series.map((s) => ({
          label: s.label,
          scale: s.scale,
          stroke: s.color,
          width: s.scale === 'loss' && s.label.endsWith('train loss') ? 1 : 2,
          dash: s.dash,
          spanGaps: true,
          points: { show: !s.label.endsWith('train loss'), size: 6 },
          value: (_u: uPlot, v: number | null) => (v == null ? '' : v.toFixed(3)),
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
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth || 320, height: 220 }));
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

  return <div className="chart" ref={box} data-testid="chart" data-points={series.reduce((k, s) => k + s.points.length, 0)} data-series={series.length} />;
}
