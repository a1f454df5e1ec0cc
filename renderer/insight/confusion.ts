/**
 * What the Results view shows of an evaluation, beyond the engine's numbers: how dark each
 * confusion-matrix cell is, which mistakes a clicked cell stands for, and the per-epoch accuracy
 * table. The counts and figures themselves come from the engine (shared/insight.ts Evaluation);
 * nothing here recomputes them.
 */

import type { TrainingEvent } from '../../shared/training';

/** A confusion-matrix cell: row = true class, column = predicted class. */
export interface Cell {
  label: number;
  predicted: number;
}

/**
 * Each cell as a share of its row (of the images of that true class), for the cell's shade:
 * a class with 40 images and one with 1,000 read alike. A row with no images shares nothing (0).
 */
export function rowShares(confusion: number[][]): number[][] {
  return confusion.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((n) => (total > 0 ? n / total : 0));
  });
}

/**
 * A cell's background and text colour. The diagonal (right answers) in green, mistakes in red,
 * darker as the share grows; a small share still shows (a floor), a zero shows nothing.
 */
export function cellColors(share: number, diagonal: boolean): { background: string; color: string } {
  if (!(share > 0)) return { background: '#fff', color: '#94a3b8' };
  // A mistake made 10 % of the time is already alarming: mistakes saturate sooner than hits.
  const a = Math.min(1, diagonal ? share : share * 3);
  const strength = 0.1 + 0.85 * a;
  const [r, g, b] = diagonal ? [31, 138, 76] : [217, 45, 45];
  const mix = (c: number) => Math.round(255 + (c - 255) * strength);
  return { background: `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`, color: strength > 0.55 ? '#fff' : '#1d232b' };
}

/** Per row and per column sums: the class counts (rows) and how often each class was predicted (columns). */
export function margins(confusion: number[][]): { rows: number[]; cols: number[]; total: number } {
  const rows = confusion.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = confusion[0]?.map((_, j) => confusion.reduce((a, r) => a + r[j], 0)) ?? [];
  return { rows, cols, total: rows.reduce((a, b) => a + b, 0) };
}

export interface Mistake {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
}

/** The mistakes a clicked cell stands for (all of them when no cell is chosen), in the engine's order. */
export function mistakesIn<T extends Mistake>(mistakes: T[], cell: Cell | null): T[] {
  if (!cell) return mistakes;
  return mistakes.filter((m) => m.label === cell.label && m.predicted === cell.predicted);
}

export interface EpochAccuracy {
  epoch: number;
  /** Present once the trainer reports it (older runs have none). */
  trainAcc: number | null;
  valAcc: number;
  trainLoss: number;
  valLoss: number;
}

/**
 * The per-epoch table from a run's stored events. A resumed run may report an epoch twice: the
 * later report stands, as on the chart. `train_acc` is read when the event carries it.
 */
export function epochAccuracies(events: TrainingEvent[]): EpochAccuracy[] {
  const byEpoch = new Map<number, EpochAccuracy>();
  for (const e of events) {
    if (e.event !== 'epoch') continue;
    const trainAcc = (e as { train_acc?: unknown }).train_acc;
    byEpoch.set(e.epoch, {
      epoch: e.epoch,
      trainAcc: typeof trainAcc === 'number' && Number.isFinite(trainAcc) ? trainAcc : null,
      valAcc: e.val_acc,
      trainLoss: e.train_loss,
      valLoss: e.val_loss,
    });
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** A fraction as a percentage with one decimal ("87.5 %"), or a dash when there is none. */
export const percent = (v: number | null | undefined): string => (v == null || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(1)} %`);
