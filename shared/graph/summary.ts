/**
 * d2l's layer_summary as a table: one row per node in topological order with its output shape,
 * then parameter and MAC totals. A block gets a line for each block inside it (indented, named by
 * its module path), so a VGG reads as five vgg_blocks with their conv–ReLU pairs under them.
 * Plain text, so the CLI, logs and tests share it; the Summary panel reads the same rows.
 */

import { formatCount, formatCountWithScale, formatShape, formatTorchShape } from '../format';
import type { BlockResult, ReceptiveField } from '../layers/layer';
import type { Analysis } from '../shapes/analyze';
import { BLOCK_TYPE_PREFIX, type GraphDoc } from './types';

/** How a node's type reads in a summary: "Conv2d", "vgg_block" for a document block, "conv_relu ×2" repeated. */
export function typeLabel(type: string, repeat?: number | string): string {
  const base = type.startsWith(BLOCK_TYPE_PREFIX) ? type.slice(BLOCK_TYPE_PREFIX.length) : type;
  return repeat === undefined ? base : `${base} ×${repeat}`;
}

export interface SummaryRow {
  /** Top-level node id, or the inner node's module path ("b1.convs.0"). */
  path: string;
  /** 0 for the graph's own nodes, 1 inside one block, ... */
  depth: number;
  type: string;
  shape: number[] | null;
  params: number;
  macs: number;
  rf: ReceptiveField | null;
  /** Made of nodes itself (a block or a repeat), so it has rows under it. */
  composite: boolean;
  severity: 'error' | 'warning' | null;
}

/**
 * The rows inside one walked block, depth-first in the block's order. With `layers` false only
 * the blocks inside appear (the summary's per-block lines); with true every inner layer too.
 */
export function insideRows(inside: BlockResult, path: string, depth: number, layers: boolean): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const n of inside.graph.nodes) {
    const child = inside.children[n.id];
    if (!child && !layers) continue;
    const out = inside.nodes[n.id];
    const bad = inside.problems.filter((p) => p.inner === n.id);
    rows.push({
      path: `${path}.${n.id}`, depth, type: typeLabel(n.type, n.repeat), shape: out?.shape ?? null,
      params: out?.params ?? 0, macs: out?.macs ?? 0, rf: out?.rf ?? null, composite: !!child,
      severity: bad.some((p) => p.diagnostic.severity === 'error') ? 'error' : bad.length ? 'warning' : null,
    });
    if (child) rows.push(...insideRows(child, `${path}.${n.id}`, depth + 1, layers));
  }
  return rows;
}

/** Every row of the summary: the graph's nodes in order, each block followed by the blocks (or, with `layers`, everything) inside it. */
export function summaryRows(doc: GraphDoc, analysis: Analysis, layers = false): SummaryRow[] {
  const repeat = new Map(doc.nodes.map((n) => [n.id, n.repeat]));
  const rows: SummaryRow[] = [];
  for (const id of analysis.order) {
    const info = analysis.nodes[id];
    rows.push({
      path: id, depth: 0, type: typeLabel(info.type, repeat.get(id)), shape: info.shape, params: info.params, macs: info.macs, rf: info.rf,
      composite: !!info.inside,
      severity: info.diagnostics.some((d) => d.severity === 'error') ? 'error' : info.diagnostics.length ? 'warning' : null,
    });
    // An inside that failed part-way still shows what it computed, but not under a failed block's row twice.
    if (info.inside && info.shape) rows.push(...insideRows(info.inside, id, 1, layers));
  }
  return rows;
}

const rfText = (rf: ReceptiveField | null) => (rf ? (rf.size[0] === rf.size[1] ? String(rf.size[0]) : `${rf.size[0]}×${rf.size[1]}`) : '');

export function formatSummary(doc: GraphDoc, analysis: Analysis): string {
  const header = ['Layer', 'Type', 'Output shape', 'Params', 'MACs', 'RF'];
  const rows = summaryRows(doc, analysis).map((r) => {
    const flagged = r.severity === 'error' ? ' !' : r.severity === 'warning' ? ' ?' : '';
    const name = `${'  '.repeat(r.depth)}${r.path}${flagged}`;
    // Without a shape the counts are unknown, not zero.
    if (!r.shape) return [name, r.type, '—', '—', '—', ''];
    return [name, r.type, formatTorchShape(r.shape), formatCount(r.params), formatCount(r.macs), rfText(r.rf)];
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
 * Exactly what d2l's layer_summary prints, one line per top-level module after the Input:
 * `print(layer.__class__.__name__, 'output shape:\t', X.shape)` — a vgg_block prints as the
 * Sequential it is. Stops at the first node without a shape, as PyTorch would stop at the layer
 * that raises.
 */
export function formatD2lSummary(analysis: Analysis): string {
  const lines: string[] = [];
  for (const id of analysis.order) {
    if (id === analysis.inputId) continue;
    const info = analysis.nodes[id];
    if (!info.shape) break;
    lines.push(`${info.torch} output shape:\t torch.Size(${formatTorchShape(info.shape)})`);
  }
  return lines.join('\n');
}
