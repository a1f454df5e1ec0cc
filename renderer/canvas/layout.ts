/**
 * Auto-layout, layered (Sugiyama's scheme, kept small): ranks top to bottom by longest path;
 * an edge that skips ranks gets a placeholder of a label's width on every rank it passes, so a
 * skip connection has a free lane beside the layers it skips (renderer/canvas/routing.ts draws
 * it there); ranks are ordered by barycentres, and x positions are the least-squares fit to the
 * neighbours' centres that keeps each rank's order and spacing (pool-adjacent-violators), so a
 * chain is a straight column and a merge sits under its inputs.
 *
 * Long runs of ranks are folded into side-by-side columns, cut where fewest edges cross: CNNs
 * are mostly chains, and one 15-layer column would have to be zoomed out until its shapes are
 * unreadable, while three columns of five fit a laptop screen; a 300-layer chain becomes about
 * 12 columns of 25. Separate networks sit side by side, and loose layers in a grid after them.
 *
 * Everything here is iterative — no recursion on graph depth — and linear or n·log n per pass,
 * so a 10,000-layer file without positions opens.
 */

import { NODE_HEIGHT, NODE_WIDTH, type LayerNode, type ShapeEdge } from '../model/graph-model';

const RANK_GAP = 64;
const NODE_GAP = 40;
const COLUMN_GAP = 110;
const MIN_ROWS = 5;
/** No column of a fold is shorter: a six-rank Inception module stays one column, not five plus its last merge. */
const MIN_COLUMN_RANKS = 4;
/** A skip connection's lane: room for its shape label. */
const LANE_WIDTH = 96;
const LANE_GAP = 16;
const COMPONENT_GAP = 160;
/** Wrap separate networks into rows past this width. */
const MAX_ROW_WIDTH = 4000;
const LOOSE_ROWS = 6;
/** Rank pitch and column pitch of a default layer, to fold into a roughly square block. */
const ROW_PITCH = NODE_HEIGHT + RANK_GAP;
const COLUMN_PITCH = NODE_WIDTH + COLUMN_GAP;
const SWEEPS = 8;

/** A rank item: a layer, or the placeholder of an edge passing this rank. */
interface Item {
  node: number;
  width: number;
  height: number;
  preds: number[];
  succs: number[];
  rank: number;
  /** Index within its rank. */
  at: number;
  x: number;
}

interface Placed {
  /** Top-left per layer index of the component. */
  pos: Map<number, { x: number; y: number }>;
  width: number;
  height: number;
}

export function layoutGraph(nodes: readonly LayerNode[], edges: readonly ShapeEdge[]): LayerNode[] {
  if (!nodes.length) return [];
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const size = nodes.map((n) => ({ w: n.measured?.width ?? NODE_WIDTH, h: n.measured?.height ?? NODE_HEIGHT }));
  const links: [number, number][] = [];
  for (const e of edges) {
    const a = index.get(e.source);
    const b = index.get(e.target);
    if (a !== undefined && b !== undefined && a !== b) links.push([a, b]);
  }

  // Connected components (union-find), in document order of their first layer.
  const parent = nodes.map((_, i) => i);
  const find = (i: number) => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (const [a, b] of links) parent[find(a)] = find(b);
  const groups = new Map<number, number[]>();
  nodes.forEach((_, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  });
  const linksOf = new Map<number, [number, number][]>();
  for (const l of links) {
    const r = find(l[0]);
    const list = linksOf.get(r);
    if (list) list.push(l);
    else linksOf.set(r, [l]);
  }

  const out = new Map<number, { x: number; y: number }>();
  const loose: number[] = [];
  let cx = 0;
  let cy = 0;
  let rowHeight = 0;
  const place = (p: Placed) => {
    if (cx > 0 && cx + p.width > MAX_ROW_WIDTH) {
      cx = 0;
      cy += rowHeight + COMPONENT_GAP;
      rowHeight = 0;
    }
    for (const [i, xy] of p.pos) out.set(i, { x: Math.round(xy.x + cx), y: Math.round(xy.y + cy) });
    cx += p.width + COMPONENT_GAP;
    rowHeight = Math.max(rowHeight, p.height);
  };
  for (const [root, members] of groups) {
    if (members.length === 1) loose.push(members[0]);
    else place(layered(members, linksOf.get(root) ?? [], size, nodes));
  }
  if (loose.length) {
    // Loose layers in a grid of short columns, not one endless row.
    const pos = new Map<number, { x: number; y: number }>();
    loose.forEach((i, k) => pos.set(i, { x: Math.floor(k / LOOSE_ROWS) * (NODE_WIDTH + NODE_GAP), y: (k % LOOSE_ROWS) * ROW_PITCH }));
    place({ pos, width: Math.ceil(loose.length / LOOSE_ROWS) * (NODE_WIDTH + NODE_GAP), height: Math.min(loose.length, LOOSE_ROWS) * ROW_PITCH });
  }
  return nodes.map((n, i) => ({ ...n, position: out.get(i)! }));
}

/** One connected network laid out in ranks, folded into columns; positions relative to its top-left. */
function layered(members: number[], links: [number, number][], size: { w: number; h: number }[], nodes: readonly LayerNode[]): Placed {
  const preds = new Map<number, number[]>(members.map((i) => [i, []]));
  const succs = new Map<number, number[]>(members.map((i) => [i, []]));
  for (const [a, b] of links) {
    succs.get(a)!.push(b);
    preds.get(b)!.push(a);
  }
  // Topological order (Kahn, document order among equals); layers on a cycle follow in document order.
  const indeg = new Map(members.map((i) => [i, preds.get(i)!.length]));
  const order: number[] = members.filter((i) => indeg.get(i) === 0);
  for (let k = 0; k < order.length; k++) {
    for (const s of succs.get(order[k])!) {
      const d = indeg.get(s)! - 1;
      indeg.set(s, d);
      if (d === 0) order.push(s);
    }
  }
  const ordered = new Set(order);
  for (const i of members) if (!ordered.has(i)) order.push(i);
  const ordOf = new Map(order.map((i, k) => [i, k]));
  // Edges against the order (closing a cycle) take no part in ranking; the router draws them.
  const forward = links.filter(([a, b]) => ordOf.get(a)! < ordOf.get(b)!);

  const rank = new Map<number, number>();
  const fpreds = new Map<number, number[]>(members.map((i) => [i, []]));
  const fsuccs = new Map<number, number[]>(members.map((i) => [i, []]));
  for (const [a, b] of forward) {
    fsuccs.get(a)!.push(b);
    fpreds.get(b)!.push(a);
  }
  for (const i of order) rank.set(i, fpreds.get(i)!.reduce((r, p) => Math.max(r, rank.get(p)! + 1), 0));
  // A second source (not the Input) sits just above the layer it feeds, not at the top.
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    if (fpreds.get(i)!.length || nodes[i].data.type === 'Input' || !fsuccs.get(i)!.length) continue;
    rank.set(i, Math.max(0, fsuccs.get(i)!.reduce((m, s) => Math.min(m, rank.get(s)!), Infinity) - 1));
  }

  // Items: the layers, then one placeholder per rank an edge skips.
  const items: Item[] = [];
  const itemOf = new Map<number, number>();
  for (const i of order) {
    itemOf.set(i, items.length);
    items.push({ node: i, width: size[i].w, height: size[i].h, preds: [], succs: [], rank: rank.get(i)!, at: 0, x: 0 });
  }
  const linkItems = (a: number, b: number) => {
    items[a].succs.push(b);
    items[b].preds.push(a);
  };
  for (const [a, b] of forward) {
    let from = itemOf.get(a)!;
    for (let r = rank.get(a)! + 1; r < rank.get(b)!; r++) {
      const v = items.length;
      items.push({ node: -1, width: LANE_WIDTH, height: 0, preds: [], succs: [], rank: r, at: 0, x: 0 });
      linkItems(from, v);
      from = v;
    }
    linkItems(from, itemOf.get(b)!);
  }
  const rankCount = items.reduce((m, it) => Math.max(m, it.rank), 0) + 1;
  const ranks: number[][] = Array.from({ length: rankCount }, () => []);
  // Layers first, placeholders after: skip lanes start out to the right of the main chain.
  for (let k = 0; k < items.length; k++) if (items[k].node >= 0) ranks[items[k].rank].push(k);
  for (let k = 0; k < items.length; k++) if (items[k].node < 0) ranks[items[k].rank].push(k);
  const renumber = (r: number[]) => r.forEach((k, at) => (items[k].at = at));
  ranks.forEach(renumber);

  // Order within ranks: barycentre sweeps down and up; ties keep the current order.
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    for (let step = 1; step < rankCount; step++) {
      const r = down ? step : rankCount - 1 - step;
      const key = ranks[r].map((k) => {
        const ns = down ? items[k].preds : items[k].succs;
        return ns.length ? ns.reduce((s, n) => s + items[n].at, 0) / ns.length : items[k].at;
      });
      const sorted = ranks[r].map((k, j) => ({ k, key: key[j], at: j })).sort((a, b) => a.key - b.key || a.at - b.at);
      ranks[r] = sorted.map((s) => s.k);
      renumber(ranks[r]);
    }
  }

  // x: start packed, then fit each rank to its neighbours' centres, keeping order and spacing.
  const sep = (a: number, b: number) => {
    const gap = items[a].node >= 0 && items[b].node >= 0 ? NODE_GAP : LANE_GAP;
    return (items[a].width + items[b].width) / 2 + gap;
  };
  for (const r of ranks) {
    let x = 0;
    r.forEach((k, j) => {
      if (j > 0) x += sep(r[j - 1], k);
      items[k].x = x;
    });
  }
  for (let pass = 0; pass < SWEEPS; pass++) {
    const down = pass % 2 === 0;
    for (let step = 0; step < rankCount; step++) {
      const r = ranks[down ? step : rankCount - 1 - step];
      const want = r.map((k) => {
        const ns = down ? items[k].preds : items[k].succs;
        return ns.length ? median(ns.map((n) => items[n].x)) : items[k].x;
      });
      // Layers weigh more than lanes: the chain stays straight and the lanes move aside.
      const weight = r.map((k) => (items[k].node >= 0 ? 1 : 0.25));
      const xs = fitInOrder(want, weight, r.slice(1).map((k, j) => sep(r[j], k)));
      r.forEach((k, j) => (items[k].x = xs[j]));
    }
  }

  // y per rank, then fold runs of ranks into columns.
  const rankHeight = ranks.map((r) => r.reduce((m, k) => Math.max(m, items[k].height), 24));
  const rankY: number[] = [];
  let y = 0;
  for (let r = 0; r < rankCount; r++) {
    rankY.push(y);
    y += rankHeight[r] + RANK_GAP;
  }
  const crossing = new Array<number>(rankCount).fill(0);
  for (const it of items) for (const s of it.succs) for (let r = it.rank; r < items[s].rank; r++) crossing[r]++;
  const cuts = foldPoints(rankCount, crossing);

  const pos = new Map<number, { x: number; y: number }>();
  let left = 0;
  let width = 0;
  let height = 0;
  for (let c = 0; c < cuts.length - 1; c++) {
    const [r0, r1] = [cuts[c], cuts[c + 1]];
    const inColumn = ranks.slice(r0, r1).flat();
    // Loops, not Math.min(...xs): a spread of a huge column overflows the call stack too.
    let minX = Infinity;
    let maxX = -Infinity;
    for (const k of inColumn) {
      minX = Math.min(minX, items[k].x - items[k].width / 2);
      maxX = Math.max(maxX, items[k].x + items[k].width / 2);
    }
    for (const k of inColumn) {
      const it = items[k];
      if (it.node < 0) continue;
      pos.set(it.node, { x: left + it.x - it.width / 2 - minX, y: rankY[it.rank] - rankY[r0] + (rankHeight[it.rank] - it.height) / 2 });
    }
    width = left + maxX - minX;
    height = Math.max(height, rankY[r1 - 1] + rankHeight[r1 - 1] - rankY[r0]);
    left = width + COLUMN_GAP;
  }
  return { pos, width, height };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Positions as close as possible (weighted least squares) to `want`, in the same order, each at
 * least `gaps[j]` after the one before: with offsets removed this is isotonic regression, solved
 * exactly by pooling adjacent violators in one pass.
 */
export function fitInOrder(want: readonly number[], weight: readonly number[], gaps: readonly number[]): number[] {
  const off: number[] = [0];
  for (let j = 0; j < gaps.length; j++) off.push(off[j] + gaps[j]);
  const blocks: { sum: number; w: number; n: number }[] = [];
  want.forEach((x, j) => {
    blocks.push({ sum: weight[j] * (x - off[j]), w: weight[j], n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.w <= b.sum / b.w) break;
      blocks.splice(blocks.length - 2, 2, { sum: a.sum + b.sum, w: a.w + b.w, n: a.n + b.n });
    }
  });
  const out: number[] = [];
  for (const b of blocks) for (let j = 0; j < b.n; j++) out.push(off[out.length] + b.sum / b.w);
  return out;
}

/**
 * Where to cut the ranks into columns: as many rows per column as make the block about as tall as
 * it is wide, each cut moved (by up to two ranks) to where the fewest edges cross it.
 */
function foldPoints(rankCount: number, crossing: readonly number[]): number[] {
  const perColumn = Math.max(MIN_ROWS, Math.ceil(Math.sqrt((rankCount * COLUMN_PITCH) / ROW_PITCH)));
  const columns = Math.max(1, Math.min(Math.ceil(rankCount / perColumn), Math.floor(rankCount / MIN_COLUMN_RANKS)));
  const rows = Math.ceil(rankCount / columns);
  const cuts = [0];
  for (let c = 1; c < columns; c++) {
    const target = c * rows;
    let best = target;
    for (let r = Math.max(cuts[cuts.length - 1] + 2, target - 2); r <= Math.min(rankCount - MIN_COLUMN_RANKS / 2, target + 2); r++) {
      // crossing[r - 1] counts the edges between rank r − 1 and rank r.
      if (crossing[r - 1] < crossing[best - 1] || (crossing[r - 1] === crossing[best - 1] && Math.abs(r - target) < Math.abs(best - target))) best = r;
    }
    if (best > cuts[cuts.length - 1] && best < rankCount) cuts.push(best);
  }
  cuts.push(rankCount);
  return cuts;
}
