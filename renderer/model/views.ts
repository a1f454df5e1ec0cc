/**
 * Turns analyzeGraph's result into what each node and edge component shows. A view object is
 * reused when its content did not change, so a node re-renders only when its own shape, counts
 * or diagnostics change — never because another node was edited.
 *
 * The canvas adds one fix the engine cannot know: going back to the value a layer had the last
 * time it worked ("Revert kernel_size to 5"), checked like every other fix.
 */

import type { Diagnostic, Fix, GraphDoc, ParamValue } from '../../shared/graph/types';
import { analyzeGraph, type Analysis } from '../../shared/shapes/index';
import { FixChecker, setFixes } from '../../shared/shapes/fixes';
import { formatScaled, formatShape, formatTorchShape } from '../../shared/format';
import { slotCount, takesMany } from './inputs';

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
  /** Input handles to draw: 1, or for Add and Concat every used slot and a free one. */
  slots: number;
}

export interface EdgeView {
  label: string;
  severity: 'error' | 'warning' | null;
}

/** Each layer's params the last time it had a shape and no error, by id. */
export type LastValid = Record<string, Record<string, ParamValue>>;

export interface AnalysisViews {
  analysis: Analysis;
  nodeViews: Record<string, NodeView>;
  edgeViews: Record<string, EdgeView>;
  lastValid: LastValid;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function severityOf(ds: readonly Diagnostic[]): NodeView['severity'] {
  if (ds.some((d) => d.severity === 'error')) return 'error';
  return ds.length ? 'warning' : null;
}

/** Errors that get a revert search, and how many layers upstream it looks. */
const MAX_REVERTS = 32;
const MAX_REVERT_DEPTH = 12;

const valueText = (v: ParamValue) => (Array.isArray(v) ? `[${v[0]}, ${v[1]}]` : typeof v === 'string' ? `"${v}"` : String(v));

/** The one param of `id` that differs from when it last worked, as a fix; null when none or several do. */
function revertFix(byId: ReadonlyMap<string, GraphDoc['nodes'][number]>, id: string, lastValid: LastValid, named: boolean): Fix | null {
  const then = lastValid[id];
  const node = byId.get(id);
  if (!then || !node) return null;
  const names = new Set([...Object.keys(then), ...Object.keys(node.params)]);
  const changed = [...names].filter((k) => !same(then[k], node.params[k]));
  if (changed.length !== 1) return null;
  const param = changed[0];
  const was = then[param];
  // A param that was left at its default goes back to being left out.
  if (was === undefined) return null;
  return { kind: 'setParam', label: `Revert ${named ? `${id}'s ` : ''}${param} to ${valueText(was)}`, nodeId: id, param, value: was };
}

/**
 * Adds "revert to the last valid value" to each node's first error: its own last change, or else
 * the nearest layer upstream that changed since it last worked (conv1's kernel breaking conv2).
 */
function addReverts(doc: GraphDoc, analysis: Analysis, lastValid: LastValid, reanalyze: (doc: GraphDoc) => Analysis): void {
  let checker: FixChecker | null = null;
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const done = new Set<string>();
  for (const d of analysis.diagnostics) {
    if (d.severity !== 'error' || !d.nodeId || done.has(d.nodeId)) continue;
    // A graph broken everywhere gets its reverts where the user is looking first, not ten thousand searches.
    if (done.size >= MAX_REVERTS) break;
    done.add(d.nodeId);
    let fix = revertFix(byId, d.nodeId, lastValid, false);
    const seen = new Set<string>([d.nodeId]);
    let frontier = analysis.inputsOf[d.nodeId] ?? [];
    for (let depth = 0; !fix && frontier.length && depth < MAX_REVERT_DEPTH; depth++) {
      const next: string[] = [];
      for (const up of frontier) {
        if (seen.has(up)) continue;
        seen.add(up);
        fix ??= revertFix(byId, up, lastValid, true);
        next.push(...(analysis.inputsOf[up] ?? []));
      }
      frontier = fix ? [] : next;
    }
    if (!fix) continue;
    checker ??= new FixChecker(doc, analysis, reanalyze);
    const checked = checker.check(fix, d.severity);
    if (checked) setFixes(d, [...(d.fix ? [d.fix] : []), ...(d.alternatives ?? []), checked.fix]);
  }
}

export function analyze(doc: GraphDoc, prev: AnalysisViews | null): AnalysisViews {
  return viewsOf(doc, analyzeGraph(doc), prev, (x) => analyzeGraph(x, { checkFixes: false }));
}

/**
 * The views of an analysis already made. `reanalyze` analyses an edited copy of `doc` the same
 * way, without checking fixes (inside an open block, renderer/blocks/ analyses the level through
 * the whole document).
 */
export function viewsOf(doc: GraphDoc, analysis: Analysis, prev: AnalysisViews | null, reanalyze: (doc: GraphDoc) => Analysis): AnalysisViews {
  const lastValid: LastValid = {};
  for (const n of doc.nodes) {
    const info = analysis.nodes[n.id];
    if (info?.shape && !info.diagnostics.some((d) => d.severity === 'error')) lastValid[n.id] = n.params;
    else if (prev?.lastValid[n.id]) lastValid[n.id] = prev.lastValid[n.id];
  }
  if (!analysis.ok && prev) addReverts(doc, analysis, lastValid, reanalyze);

  const byNode = new Map<string, Diagnostic[]>();
  const push = (id: string, d: Diagnostic) => {
    const list = byNode.get(id) ?? [];
    if (!list.some((x) => x.code === d.code && x.message === d.message)) list.push(d);
    byNode.set(id, list);
  };
  for (const [id, info] of Object.entries(analysis.nodes)) for (const d of info.diagnostics) push(id, d);
  const onEdge = new Map<string, Diagnostic[]>();
  for (const d of analysis.diagnostics) {
    if (d.nodeId) push(d.nodeId, d);
    else if (d.edge) push(d.edge.target, d);
    if (d.edge) {
      const key = `${d.edge.source}->${d.edge.target}`;
      onEdge.set(key, [...(onEdge.get(key) ?? []), d]);
    }
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
      slots: takesMany(n.type) ? slotCount(doc.edges, n.id) : 1,
    };
    const old = prev?.nodeViews[n.id];
    nodeViews[n.id] = old && same(old, view) ? old : view;
  }

  const edgeViews: Record<string, EdgeView> = {};
  for (const e of doc.edges) {
    const id = `${e.source}->${e.target}${e.targetHandle ? `:${e.targetHandle}` : ''}`;
    const view: EdgeView = { label: formatShape(analysis.nodes[e.source]?.shape), severity: severityOf(onEdge.get(`${e.source}->${e.target}`) ?? []) };
    const old = prev?.edgeViews[id];
    edgeViews[id] = old && old.label === view.label && old.severity === view.severity ? old : view;
  }
  return { analysis, nodeViews, edgeViews, lastValid };
}
