/**
 * d2l's layer_summary as a table: one row per node in topological order with its output shape,
 * then parameter and MAC totals. Plain text, so the CLI, logs and tests share it.
 */

import type { Analysis } from '../shapes/analyze';
import type { GraphDoc } from './types';

const thousands = (x: number): string => String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** 1.2 M, 3.4 G: the scale people compare networks at. */
export function humanCount(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return String(x);
}

const withScale = (x: number): string => (x >= 1000 ? `${thousands(x)} (${humanCount(x)})` : String(x));

export function formatShape(shape: number[] | null): string {
  return shape ? `[${shape.join(', ')}]` : '—';
}

export function formatSummary(doc: GraphDoc, analysis: Analysis): string {
  const header = ['Layer', 'Type', 'Output shape', 'Params', 'MACs', 'RF'];
  const rows = analysis.order.map((id) => {
    const info = analysis.nodes[id];
    const flagged = info.diagnostics.some((d) => d.severity === 'error') ? ' !' : info.diagnostics.length > 0 ? ' ?' : '';
    const rf = info.rf ? (info.rf.size[0] === info.rf.size[1] ? String(info.rf.size[0]) : `${info.rf.size[0]}×${info.rf.size[1]}`) : '';
    // Without a shape the counts are unknown, not zero.
    if (!info.shape) return [id + flagged, info.type, '—', '—', '—', ''];
    return [id + flagged, info.type, formatShape(info.shape), thousands(info.params), thousands(info.macs), rf];
  });
  const width = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  // Text columns left, numbers right, as in d2l and torchinfo.
  const right = [false, false, false, true, true, true];
  const line = (cells: string[]) => cells.map((cell, c) => (right[c] ? cell.padStart(width[c]) : cell.padEnd(width[c]))).join('  ').trimEnd();
  const rule = '─'.repeat(width.reduce((a, b) => a + b, 0) + 2 * (width.length - 1));
  const input = analysis.inputId ? analysis.nodes[analysis.inputId]?.shape : null;
  const title = `${doc.name || 'Untitled'}${input ? ` — input ${input.slice(1).join('×')}` : ''}`;
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = analysis.diagnostics.length - errors;
  return [
    title,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${withScale(analysis.totals.params)}`,
    `Total MACs: ${withScale(analysis.totals.macs)} per image`,
    analysis.ok
      ? `Valid${warnings ? ` with ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}.`
      : `Invalid: ${errors} error${errors > 1 ? 's' : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''} (rows marked !).`,
  ].join('\n');
}

/**
 * Exactly what d2l's layer_summary prints, one line per layer after the Input:
 * `print(layer.__class__.__name__, 'output shape:\t', X.shape)`. Stops at the first node without
 * a shape, as PyTorch would stop at the layer that raises.
 */
export function formatD2lSummary(analysis: Analysis): string {
  const lines: string[] = [];
  for (const id of analysis.order) {
    if (id === analysis.inputId) continue;
    const info = analysis.nodes[id];
    if (!info.shape) break;
    lines.push(`${info.type} output shape:\t torch.Size([${info.shape.join(', ')}])`);
  }
  return lines.join('\n');
}
