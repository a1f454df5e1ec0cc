/**
 * One 2-D tensor on screen: cells tinted by value (orange positive, blue negative), editable by
 * typing or painting, with an optional ring of padding cells around it, and the cells a window
 * covers outlined. Rows and columns are numbered from 0, as PyTorch indexes them, so "X[1, 2]"
 * in a message or an explanation can be found at a glance.
 */

import { useEffect, useRef, type CSSProperties } from 'react';
import { fmt, parseCell, type TextGrid } from './format';

export interface Paint {
  on: boolean;
  value: string;
}

export interface GridProps {
  testId: string;
  /** Text while editable, numbers for results. */
  values: TextGrid | number[][];
  onChange?(next: TextGrid): void;
  paint?: Paint;
  /** [top, bottom, left, right] cells of padding drawn around the grid, showing `padLabel`. */
  pad?: [number, number, number, number];
  padLabel?: string;
  /** Cells to outline, as "i,j" in unpadded indices (padding cells are negative or past the edge). */
  highlight?: ReadonlySet<string>;
  /** The cell under the cursor (output grids). */
  active?: string | null;
  onHover?(cell: [number, number] | null): void;
  /** Largest cell side in pixels; large grids shrink to fit `maxWidth`. */
  maxCell?: number;
  maxWidth?: number;
  /** Hide the row and column numbers (small kernels read better without). */
  bare?: boolean;
  /** Two decimals at most, for dense matrices (the tooltip keeps the full value). */
  compact?: boolean;
  stale?: boolean;
}

/** Cells narrower than this show no digits: their value is in the tooltip. */
const DIGITS_MIN = 26;
const INPUT_MIN = 30;

/** Opaque colours (the grid's lines show through anything translucent): white at 0, orange up, blue down. */
function tint(v: number, scale: number): { background: string; color: string } {
  if (!Number.isFinite(v) || scale === 0 || v === 0) return { background: '#fff', color: '#111827' };
  const a = 0.12 + 0.78 * Math.min(1, Math.abs(v) / scale);
  const [r, g, b] = v > 0 ? [234, 88, 12] : [37, 99, 235];
  const mix = (c: number) => Math.round(255 + (c - 255) * a);
  return { background: `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`, color: a > 0.6 ? '#fff' : '#111827' };
}

const keyOf = (i: number, j: number) => `${i},${j}`;

/** Monospace digits are about 0.6 em wide: the largest font (≤ 14 px) that fits the text in the cell. */
const fontFor = (size: number, text: string) => Math.max(8, Math.min(14, size * 0.42, (size - 4) / (0.62 * Math.max(1, text.length))));

const compactText = (v: number) => (Number.isInteger(v) ? fmt(v) : fmt(Number(v.toFixed(2))));

export function Grid({ testId, values, onChange, paint, pad = [0, 0, 0, 0], padLabel = '0', highlight, active, onHover, maxCell = 40, maxWidth = 380, bare, compact, stale }: GridProps) {
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  const [pt, pb, pl, pr] = pad;
  const width = cols + pl + pr;
  const size = Math.max(10, Math.min(maxCell, Math.floor(maxWidth / Math.max(1, width))));
  const nums = values.map((row) => row.map((v) => (typeof v === 'number' ? v : parseCell(v))));
  const scale = Math.max(0, ...nums.flat().map((v) => (typeof v === 'number' && Number.isFinite(v) ? Math.abs(v) : 0)));
  const editable = !!onChange;
  const painting = useRef(false);

  useEffect(() => {
    const stop = () => {
      painting.current = false;
    };
    window.addEventListener('mouseup', stop);
    return () => window.removeEventListener('mouseup', stop);
  }, []);

  const set = (i: number, j: number, text: string) => {
    if (!onChange) return;
    const text0 = values as TextGrid;
    if (text0[i][j] === text) return;
    onChange(text0.map((row, r) => (r === i ? row.map((c, q) => (q === j ? text : c)) : row)));
  };

  const paintOn = editable && paint?.on;
  const cell = (i: number, j: number) => {
    const inside = i >= 0 && i < rows && j >= 0 && j < cols;
    const key = keyOf(i, j);
    const lit = highlight?.has(key);
    const classes = ['lab-cell', inside ? '' : 'pad', lit ? 'lit' : '', active === key ? 'active' : ''].filter(Boolean).join(' ');
    const style: CSSProperties = { width: size, height: size, fontSize: fontFor(size, padLabel) };
    if (!inside) {
      return (
        <div key={key} className={classes} style={style} data-pad="" title={`padding: ${padLabel}`}>
          {size >= DIGITS_MIN ? padLabel : ''}
        </div>
      );
    }
    const raw = values[i][j];
    const n = nums[i][j];
    const bad = typeof n !== 'number';
    const full = typeof raw === 'number' ? fmt(raw) : raw;
    const text = typeof raw === 'number' && compact ? compactText(raw) : full;
    style.fontSize = fontFor(size, text);
    Object.assign(style, bad ? { background: 'var(--error-bg)', color: 'var(--error)' } : tint(n, scale));
    const hover = onHover ? { onMouseEnter: () => onHover([i, j]), onMouseLeave: () => onHover(null) } : {};
    const paintHandlers = paintOn
      ? {
          onMouseDown: (e: React.MouseEvent) => {
            e.preventDefault();
            painting.current = true;
            set(i, j, paint!.value);
          },
          onMouseEnter: () => {
            if (painting.current) set(i, j, paint!.value);
          },
        }
      : {};
    if (editable && !paintOn && size >= INPUT_MIN) {
      return (
        <input
          key={key}
          className={`${classes}${bad ? ' bad' : ''}`}
          style={style}
          value={text}
          aria-label={`${testId} [${i}, ${j}]`}
          data-cell={key}
          onChange={(e) => set(i, j, e.target.value)}
          onFocus={(e) => e.target.select()}
          {...hover}
        />
      );
    }
    return (
      <div key={key} className={`${classes}${bad ? ' bad' : ''}${paintOn ? ' paintable' : ''}`} style={style} data-cell={key} data-value={full} title={`[${i}, ${j}] = ${full}`} {...hover} {...paintHandlers}>
        {size >= DIGITS_MIN ? text : ''}
      </div>
    );
  };

  const header = !bare && size >= 18;
  return (
    <div className={`lab-grid-wrap${stale ? ' stale' : ''}`} data-testid={testId} data-rows={rows} data-cols={cols}>
      {header && (
        <div className="lab-grid-cols" style={{ gridTemplateColumns: `repeat(${width}, ${size}px)`, marginLeft: 18 }}>
          {Array.from({ length: width }, (_, c) => (
            <span key={c}>{c - pl >= 0 && c - pl < cols ? c - pl : ''}</span>
          ))}
        </div>
      )}
      <div className="lab-grid-body">
        {header && (
          <div className="lab-grid-rows" style={{ gridTemplateRows: `repeat(${rows + pt + pb}, ${size}px)` }}>
            {Array.from({ length: rows + pt + pb }, (_, r) => (
              <span key={r}>{r - pt >= 0 && r - pt < rows ? r - pt : ''}</span>
            ))}
          </div>
        )}
        <div className="lab-grid" role="grid" style={{ gridTemplateColumns: `repeat(${width}, ${size}px)` }}>
          {Array.from({ length: rows + pt + pb }, (_, r) => Array.from({ length: width }, (_, c) => cell(r - pt, c - pl)))}
        </div>
      </div>
    </div>
  );
}

/** The numbers a grid on screen shows, row by row (e2e tests read them the same way a student does). */
export const cellKey = keyOf;
