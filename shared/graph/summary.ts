/**
 * d2l's layer_summary as a table: one row per node in topological order with its output shape,
 * then parameter and MAC totals. Plain text, so the CLI, logs and tests share it.
 */

import { formatCount, formatCountWithScale, formatShape, formatTorchShape } from '../format';
import type { Analysis } from '../shapes/analyze';
import type { GraphDoc } from './types';

export function formatSummary(doc: GraphDoc, analysis: Analysis): string {
  const header = ['Layer', 'Type', 'Output shape', 'Params', 'MACs', 'RF'];
  const rows = analysis.order.map((id) => {
    const info = analysis.nodes[id];
    const flagged = info.diagnostics.some((d) => d.severity === 'error') ? ' !' : info.diagnostics.length > 0 ? ' ?' : '';
    const rf = info.rf ? (info.rf.size[0] === info.rf.size[1] ? String(info.rf.size[0]) : `${info.rf.size[0]}×${info.rf.size[1]}`) : '';
    // Without a shape the counts are unknown, not zero.
    if (!info.shape) return [id + flagged, info.type, '—', '—', '—', ''];
    return [id + flagged, info.type, formatTorchShape(info.shape), formatCount(info.params), formatCount(info.macs), rf];
  });
  const width = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  // Text columns left, numbers right, as in d2l and torchinfo.
  const right = [false, false, false, true, true, true];
  const line = (cells: string[]) => cells.map((cell, c) => (right[c] ? cell.padStart(width[c]) : cell.padEnd(width[c]))).join('  ').trimEnd();
  const rule = '─'.repeat(width.reduce((a, b) => a + b, 0) + 2 * (width.length - 1));
  const input = analysis.inputId ? analysis.nodes[analysis.inputId]?.shape : null;
  const title = `${doc.name || 'Untitled'}${input ? ` — input ${formatShape(input)}` : ''}`;
  // All problems, also those past the diagnostics list's limit.
  const { errors, warnings } = analysis.counts;
  return [
    title,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${formatCountWithScale(analysis.totals.params)}`,
    `Total MACs: ${formatCountWithScale(analysis.totals.macs)} per image`,
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
    lines.push(`${info.type} output shape:\t torch.Size(${formatTorchShape(info.shape)})`);
  }
  return lines.join('\n');
}
