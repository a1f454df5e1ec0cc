/**
 * Turns analyzeGraph's result into what each node and edge component shows. A view object is
 * reused when its content did not change, so a node re-renders only when its own shape, counts
 * or diagnostics change — never because another node was edited.
 */

import type { Diagnostic, GraphDoc } from '../../shared/graph/types';
import { analyzeGraph, type Analysis } from '../../shared/shapes/index';
import { formatScaled, formatShape, formatTorchShape } from '../../shared/format';

export interface NodeView {
  shape: string;
  /** Full NCHW shape for tooltips, e.g. "[1, 6, 28, 28]". */
  fullShape: string;
  params: number;
  paramsText: string;
  macs: number;
  rf: string | null;
  severity: 'error' | 'warning' | null;
  diagnostics: Diagnostic[];
}

export interface EdgeView {
  label: string;
  severity: 'error' | 'warning' | null;
}

export interface AnalysisViews {
  analysis: Analysis;
  nodeViews: Record<string, NodeView>;
  edgeViews: Record<string, EdgeView>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function severityOf(ds: readonly Diagnostic[]): NodeView['severity'] {
  if (ds.some((d) => d.severity === 'error')) return 'error';
  return ds.length ? 'warning' : null;
}

export function analyze(doc: GraphDoc, prev: AnalysisViews | null): AnalysisViews {
  return viewsOf(doc, analyzeGraph(doc), prev);
}

/** The views of an analysis already made (inside a block, renderer/blocks/ makes the block's own). */
export function viewsOf(doc: GraphDoc, analysis: Analysis, prev: AnalysisViews | null): AnalysisViews {
  const byNode = new Map<string, Diagnostic[]>();
  const push = (id: string, d: Diagnostic) => {
    const list = byNode.get(id) ?? [];
    if (!list.some((x) => x.code === d.code && x.message === d.message)) list.push(d);
    byNode.set(id, list);
  };
  for (const [id, info] of Object.entries(analysis.nodes)) for (const d of info.diagnostics) push(id, d);
  for (const d of analysis.diagnostics) {
    if (d.nodeId) push(d.nodeId, d);
    else if (d.edge) push(d.edge.target, d);
  }

  const nodeViews: Record<string, NodeView> = {};
  for (const n of doc.nodes) {
    const info = analysis.nodes[n.id];
    const ds = byNode.get(n.id) ?? [];
    const view: NodeView = {
      shape: formatShape(info?.shape),
      fullShape: info?.shape ? formatTorchShape(info.shape) : 'unknown',
      params: info?.params ?? 0,
      paramsText: formatScaled(info?.params ?? 0),
      macs: info?.macs ?? 0,
      rf: info?.rf ? `${info.rf.size[0]}×${info.rf.size[1]}` : null,
      severity: severityOf(ds),
      diagnostics: ds,
    };
    const old = prev?.nodeViews[n.id];
    nodeViews[n.id] = old && same(old, view) ? old : view;
  }

  const edgeViews: Record<string, EdgeView> = {};
  for (const e of doc.edges) {
    const id = `${e.source}->${e.target}${e.targetHandle ? `:${e.targetHandle}` : ''}`;
    const onEdge = analysis.diagnostics.filter((d) => d.edge && d.edge.source === e.source && d.edge.target === e.target);
    const view: EdgeView = { label: formatShape(analysis.nodes[e.source]?.shape), severity: severityOf(onEdge) };
    const old = prev?.edgeViews[id];
    edgeViews[id] = old && old.label === view.label && old.severity === view.severity ? old : view;
  }
  return { analysis, nodeViews, edgeViews };
}
