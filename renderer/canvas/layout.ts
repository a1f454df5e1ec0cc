/**
 * Auto-layout: dagre ranks the graph top to bottom, then long runs of ranks are folded into
 * side-by-side columns. CNNs are mostly chains; one 15-layer column would have to be zoomed out
 * until its shapes are unreadable, while three columns of five or six fit a laptop screen at
 * ~90 %; a 300-layer chain becomes about 12 columns of 25 rather than one endless strip.
 */

import dagre from '@dagrejs/dagre';
import { NODE_HEIGHT, NODE_WIDTH, type LayerNode, type ShapeEdge } from '../model/graph-model';

const RANK_GAP = 64;
const NODE_GAP = 40;
const COLUMN_GAP = 110;
const MIN_ROWS = 5;
/** Rank pitch and column pitch of a default layer, to fold into a roughly square block. */
const ROW_PITCH = 96 + RANK_GAP;
const COLUMN_PITCH = 220 + COLUMN_GAP;

export function layoutGraph(nodes: readonly LayerNode[], edges: readonly ShapeEdge[]): LayerNode[] {
  if (!nodes.length) return [];
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', ranksep: RANK_GAP, nodesep: NODE_GAP, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) g.setNode(n.id, { width: n.measured?.width ?? NODE_WIDTH, height: n.measured?.height ?? NODE_HEIGHT });
  for (const e of edges) if (ids.has(e.source) && ids.has(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);

  const placed = nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    return { n, x: p.x - p.width / 2, y: p.y - p.height / 2, cy: p.y };
  });
  const rankYs = [...new Set(placed.map((p) => Math.round(p.cy)))].sort((a, b) => a - b);
  // As many rows as make the folded block about as tall as it is wide (a screen-shaped area).
  const perColumn = Math.max(MIN_ROWS, Math.ceil(Math.sqrt((rankYs.length * COLUMN_PITCH) / ROW_PITCH)));
  const columns = Math.max(1, Math.ceil(rankYs.length / perColumn));
  const rows = Math.ceil(rankYs.length / columns);
  const rankOf = new Map(rankYs.map((y, i) => [y, i]));
  const minX = Math.min(...placed.map((p) => p.x));
  const width = Math.max(...placed.map((p) => p.x + (p.n.measured?.width ?? NODE_WIDTH))) - minX;
  // Each folded column restarts at the top: shift by the y of its first rank.
  const topOfRank = (rank: number) => Math.min(...placed.filter((p) => rankOf.get(Math.round(p.cy)) === rank).map((p) => p.y));
  const columnTop = Array.from({ length: columns }, (_, c) => topOfRank(c * rows));

  return placed.map(({ n, x, y, cy }) => {
    const rank = rankOf.get(Math.round(cy)) ?? 0;
    const col = Math.floor(rank / rows);
    return { ...n, position: { x: Math.round(x - minX + col * (width + COLUMN_GAP)), y: Math.round(y - columnTop[col]) } };
  });
}

/**
 * Room around the graph when fitting it in view. The bottom is larger: an edge folded to the
 * next column dips below its column, and its shape label hangs under the last layer.
 */
export const FIT_PADDING = { top: '24px', left: '24px', right: '24px', bottom: '56px' } as const;
