/**
 * A grid the student edits: a preset to start from, its size, typing into cells or painting with
 * a value, and the grid itself. The section owns the values; this is only the controls.
 */

import { useState, type ReactNode } from 'react';
import { LAB_LIMITS } from '../../shared/lab/check';
import { resize, type TextGrid } from './format';
import { Grid, type GridProps } from './Grid';

export interface PresetOption {
  id: string;
  label: string;
  about: string;
}

export interface GridEditorProps extends Omit<GridProps, 'values' | 'onChange' | 'paint'> {
  title: ReactNode;
  grid: TextGrid;
  onChange(next: TextGrid): void;
  presets?: PresetOption[];
  /** The preset shown as chosen ("" once edited). */
  preset?: string;
  onPreset?(id: string): void;
  /** Largest side the size fields allow. */
  maxSide?: number;
  /** Extra controls under the preset (the Fashion-MNIST image picker). */
  extra?: ReactNode;
  footer?: ReactNode;
  /** What the preset list says when the grid is none of them. */
  customLabel?: string;
}

export function GridEditor({ title, grid, onChange, presets, preset, onPreset, maxSide = LAB_LIMITS.side, extra, footer, testId, customLabel = 'your own values', ...gridProps }: GridEditorProps) {
  const [paintOn, setPaintOn] = useState(false);
  const [brush, setBrush] = useState('1');
  const rows = grid.length;
  const cols = grid[0]?.length ?? 0;
  const setSize = (r: number, c: number) => {
    if (Number.isInteger(r) && Number.isInteger(c) && r >= 1 && c >= 1 && r <= maxSide && c <= maxSide) onChange(resize(grid, r, c));
  };
  return (
    <section className="lab-panel" data-testid={`${testId}-panel`}>
      <header className="lab-panel-head">
        <h3>{title}</h3>
        <span className="lab-shape" data-testid={`${testId}-shape`}>{rows}×{cols}</span>
      </header>
      {presets && onPreset && (
        <select className="lab-preset" value={preset ?? ''} onChange={(e) => onPreset(e.target.value)} data-testid={`${testId}-preset`} title="Start from a preset">
          <option value="" disabled>{customLabel}</option>
          {presets.map((p) => (
            <option key={p.id} value={p.id} title={p.about}>{p.label}</option>
          ))}
        </select>
      )}
      <div className="lab-controls">
        <label title="Rows × columns">
          Size{' '}
          <input className="lab-num" type="number" min={1} max={maxSide} value={rows} onChange={(e) => setSize(Number(e.target.value), cols)} data-testid={`${testId}-rows`} aria-label="rows" />
          ×
          <input className="lab-num" type="number" min={1} max={maxSide} value={cols} onChange={(e) => setSize(rows, Number(e.target.value))} data-testid={`${testId}-cols`} aria-label="columns" />
        </label>
        <label title="Drag across cells to set them to the brush value">
          <input type="checkbox" checked={paintOn} onChange={(e) => setPaintOn(e.target.checked)} data-testid={`${testId}-paint`} /> Paint
        </label>
        {paintOn && (
          <label>
            with <input className="lab-num" value={brush} onChange={(e) => setBrush(e.target.value)} data-testid={`${testId}-brush`} aria-label="brush value" />
          </label>
        )}
      </div>
      {extra}
      <Grid testId={testId} values={grid} onChange={onChange} paint={{ on: paintOn, value: brush }} {...gridProps} />
      {footer}
    </section>
  );
}
