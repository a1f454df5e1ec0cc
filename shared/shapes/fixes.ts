/**
 * Fixes that fix. A layer rule sees only its own inputs, so the fix it proposes can move the
 * error downstream: LeNet with conv1's kernel at 40 gets "padding 6" from conv1's rule, which
 * gives 1×1, which pool1 cannot pool. Here every proposed fix is applied to the whole graph and
 * re-analysed; only fixes that leave fewer errors are offered, best first. A numeric fix that
 * does not help on its own is walked further in its own direction (padding 7, 8, …; kernel 31,
 * 30, …) until the later layers fit too — "kernel_size ≤ 21" rather than "kernel_size ≤ 32".
 *
 * Checking costs whole re-analyses, so it runs under a budget counted in nodes and edges
 * analysed; a fix the budget did not reach is not offered (never offered unchecked).
 */

import { nodeSpec } from '../graph/catalogue';
import { freshId } from '../graph/ids';
import type { Diagnostic, Fix, GraphDoc, ParamValue, Severity } from '../graph/types';
import type { Analysis } from './analyze';

/** Nodes + edges analysed per check, summed over one analysis: ~20 re-analyses of a 10,000-layer graph. */
export const FIX_BUDGET = 400_000;
/** How far a numeric fix is walked past the value its rule proposed. */
const MAX_STEPS = 64;

/**
 * A fix applied to a document as plain data (the canvas adds positions of its own). Null when it
 * no longer applies. Documents reach the engine unchecked, so list entries may be anything.
 */
export function applyFixToDoc(doc: GraphDoc, fix: Fix): GraphDoc | null {
  switch (fix.kind) {
    case 'setParam': {
      if (!doc.nodes.some((n) => n?.id === fix.nodeId)) return null;
      return { ...doc, nodes: doc.nodes.map((n) => (n?.id === fix.nodeId ? { ...n, params: { ...n.params, [fix.param]: fix.value } } : n)) };
    }
    case 'removeEdge': {
      const edges = doc.edges.filter((e) => !(e?.source === fix.source && e?.target === fix.target));
      return edges.length === doc.edges.length ? null : { ...doc, edges };
    }
    case 'removeNode': {
      if (!doc.nodes.some((n) => n?.id === fix.nodeId)) return null;
      return { ...doc, nodes: doc.nodes.filter((n) => n?.id !== fix.nodeId), edges: doc.edges.filter((e) => e?.source !== fix.nodeId && e?.target !== fix.nodeId) };
    }
    case 'insertNode': {
      const before = doc.nodes.find((n) => n?.id === fix.beforeNodeId);
      const old = doc.edges.find((e) => e?.source === fix.edgeSource && e?.target === fix.beforeNodeId);
      if (!before || !old) return null;
      const id = freshId(fix.nodeType, new Set(doc.nodes.map((n) => n?.id)));
      const node = { id, type: fix.nodeType, params: { ...(fix.params ?? {}) }, ...(before.position ? { position: { ...before.position } } : {}) };
      const into = { source: id, target: fix.beforeNodeId, ...(old.targetHandle ? { targetHandle: old.targetHandle } : {}) };
      return { ...doc, nodes: [...doc.nodes, node], edges: [...doc.edges.filter((e) => e !== old), { source: fix.edgeSource, target: id }, into] };
    }
  }
}

export interface Score {
  errors: number;
  warnings: number;
}

export function scoreOf(a: Analysis): Score {
  let errors = 0;
  let warnings = 0;
  for (const d of a.diagnostics) {
    if (d.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/** Fewer errors; for a warning's fix, no more errors and fewer warnings. */
export function improves(before: Score, after: Score, severity: Severity): boolean {
  if (after.errors < before.errors) return true;
  return severity === 'warning' && after.errors <= before.errors && after.warnings < before.warnings;
}

const better = (a: Score, b: Score) => a.errors - b.errors || a.warnings - b.warnings;

type Pair = [number, number];
const asPair = (v: ParamValue | undefined): Pair | null => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v)) return [v[0], v[1]];
  return null;
};
const fromPair = ([h, w]: Pair): ParamValue => (h === w ? h : [h, w]);
const valueText = (v: ParamValue): string => (Array.isArray(v) ? (v[0] === v[1] ? String(v[0]) : `[${v[0]}, ${v[1]}]`) : String(v));
const PARAM_WORD: Record<string, string> = { padding: 'Padding', kernel_size: 'Kernel', stride: 'Stride', dilation: 'Dilation' };

/** The value a param has now, a default filled in, as a pair; null when it is not numeric. */
function currentPair(doc: GraphDoc, nodeId: string, param: string): Pair | null {
  const node = doc.nodes.find((n) => n?.id === nodeId);
  if (!node || node.params === null || typeof node.params !== 'object') return null;
  const given = node.params[param];
  if (given !== undefined) return asPair(given);
  const spec = nodeSpec(node.type)?.params.find((p) => p.name === param);
  if (!spec || spec.default === undefined) return null;
  return asPair(spec.default === 'kernel_size' ? node.params.kernel_size : spec.default);
}

/**
 * Checks fixes against one graph under a shared budget, remembering what it found: several
 * diagnostics often offer the same fix (every node on a cycle offers the same cut).
 */
export class FixChecker {
  private readonly cost: number;
  private left: number;
  private readonly seen = new Map<string, { fix: Fix; score: Score } | null>();
  readonly before: Score;

  constructor(
    private readonly doc: GraphDoc,
    analysis: Analysis,
    private readonly analyze: (doc: GraphDoc) => Analysis,
    budget = FIX_BUDGET,
  ) {
    this.cost = doc.nodes.length + doc.edges.length + 1;
    // Always room for a few checks: a huge graph still gets its first fixes.
    this.left = Math.max(budget, 4 * this.cost);
    this.before = scoreOf(analysis);
  }

  private run(fix: Fix): { doc: GraphDoc; analysis: Analysis } | null {
    if (this.left < this.cost) return null;
    const doc = applyFixToDoc(this.doc, fix);
    if (!doc) return null;
    this.left -= this.cost;
    return { doc, analysis: this.analyze(doc) };
  }

  /** The fix (or the same param walked further) that leaves fewer problems, with its score; null when none does. */
  check(fix: Fix, severity: Severity): { fix: Fix; score: Score } | null {
    const { label: _label, ...effect } = fix;
    const key = `${severity}:${JSON.stringify(effect)}`;
    const known = this.seen.get(key);
    if (known !== undefined) return known;
    const found = this.search(fix, severity);
    this.seen.set(key, found);
    return found;
  }

  private search(fix: Fix, severity: Severity): { fix: Fix; score: Score } | null {
    const first = this.run(fix);
    if (!first) return null;
    const score = scoreOf(first.analysis);
    if (score.errors === 0 || fix.kind !== 'setParam') return improves(this.before, score, severity) ? { fix, score } : null;
    // A numeric fix that helps only partly, or not at all, may need to go further.
    let best = improves(this.before, score, severity) ? { fix, score } : null;
    const from = currentPair(this.doc, fix.nodeId, fix.param);
    const to = asPair(fix.value);
    if (!from || !to) return best;
    const step: Pair = [Math.sign(to[0] - from[0]), Math.sign(to[1] - from[1])];
    if (step[0] === 0 && step[1] === 0) return best;
    const node = this.doc.nodes.find((n) => n?.id === fix.nodeId);
    const min = nodeSpec(node?.type ?? '')?.params.find((p) => p.name === fix.param)?.min ?? 0;
    for (let i = 1; i <= MAX_STEPS; i++) {
      const v: Pair = [to[0] + step[0] * i, to[1] + step[1] * i];
      if (v[0] < min || v[1] < min) break;
      const value = fromPair(v);
      const tried: Fix = { ...fix, value };
      const r = this.run(tried);
      if (!r) break;
      const s = scoreOf(r.analysis);
      if (!improves(this.before, s, severity) || (best && better(s, best.score) >= 0)) continue;
      best = { fix: { ...tried, label: walkedLabel(fix.param, value, r.analysis.nodes[fix.nodeId]?.shape ?? null) }, score: s };
      if (s.errors === 0) break;
    }
    return best;
  }
}

function walkedLabel(param: string, value: ParamValue, shape: number[] | null): string {
  const gives = shape && shape.length === 4 ? ` gives ${shape[2]}×${shape[3]}` : '';
  return `${PARAM_WORD[param] ?? param} ${valueText(value)}${gives} (the later layers fit too)`;
}

/** A diagnostic's proposed fixes, checked and ranked: the one to show first, then the others. */
export function rankFixes(checker: FixChecker, d: Diagnostic, extra: readonly Fix[] = []): Fix[] {
  const proposed = [...(d.fix ? [d.fix] : []), ...(d.alternatives ?? []), ...extra];
  const kept: { fix: Fix; score: Score; at: number }[] = [];
  const labels = new Set<string>();
  proposed.forEach((p, at) => {
    const r = checker.check(p, d.severity);
    if (!r) return;
    const { label: _label, ...effect } = r.fix;
    const key = JSON.stringify(effect);
    if (labels.has(key)) return;
    labels.add(key);
    kept.push({ ...r, at });
  });
  kept.sort((a, b) => better(a.score, b.score) || a.at - b.at);
  return kept.map((k) => k.fix);
}

/** Sets a diagnostic's fix and alternatives to `fixes` (dropping both when there are none). */
export function setFixes(d: Diagnostic, fixes: readonly Fix[]): void {
  delete d.fix;
  delete d.alternatives;
  if (fixes.length > 0) d.fix = fixes[0];
  if (fixes.length > 1) d.alternatives = fixes.slice(1);
}

/**
 * Replaces every diagnostic's proposed fixes by the checked ones, in place (a node's diagnostics
 * are the same objects as the graph's). `analyze` must not check fixes itself.
 */
export function offerFixes(doc: GraphDoc, analysis: Analysis, analyze: (doc: GraphDoc) => Analysis, budget = FIX_BUDGET): Analysis {
  if (!analysis.diagnostics.some((d) => d.fix || d.alternatives)) return analysis;
  const checker = new FixChecker(doc, analysis, analyze, budget);
  for (const d of analysis.diagnostics) {
    if (d.fix || d.alternatives) setFixes(d, rankFixes(checker, d));
  }
  return analysis;
}
