/**
 * Where each edge runs, so no edge and no shape label lies under a layer. An edge whose curve
 * (or label) would cross a layer — a skip connection past the layers it skips, an edge up to the
 * next folded column, an edge to a layer placed above — runs instead down from its source,
 * along a free vertical lane, and into its target from above; its label sits on the lane. The
 * lane is the free strip nearest the straight line, clear of every layer and of the lanes
 * already given to other edges over the same height. Routes are recomputed from positions
 * (after a layout, an edit, a drag, a layer growing), so they hold for any arrangement,
 * including one read from a file.
 */

import { NODE_HEIGHT, NODE_WIDTH, type LayerNode, type ShapeEdge } from '../model/graph-model';
import { slotIndex } from '../model/inputs';

/** What ShapeEdge draws: the lane's x, and how far below the source and above the target it turns. */
export interface Lane {
  x: number;
  down: number;
  up: number;
}

/**
 * The corners of an edge along its lane (down from the source, along the lane, into the target
 * from above) and where its label goes: on the lane, halfway.
 */
export function lanePoints(sx: number, sy: number, tx: number, ty: number, lane: Lane): { points: [number, number][]; label: [number, number] } {
  const y1 = sy + lane.down;
  const y2 = ty - lane.up;
  return { points: [[sx, sy], [sx, y1], [lane.x, y1], [lane.x, y2], [tx, y2], [tx, ty]], label: [lane.x, (y1 + y2) / 2] };
}

/** Distance from a handle to the first turn. */
const TURN = 18;
const MARGIN = 8;
const BUCKET = 256;
const BUCKET_W = 512;
/** How far either side of the straight line a lane is first looked for; doubled until one is found. */
const LANE_SEARCH = 1024;
const LABEL_HEIGHT = 18;

/** A layer, or a lane already given to an edge (kept in the same index). */
interface Box { x: number; y: number; w: number; h: number; id: string; lane?: boolean }

/** An edge label's width in pixels: 11 px DejaVu Sans Mono is ~6.7 px a character, plus padding and border. */
export const labelWidth = (text: string | undefined): number => Math.ceil((text ?? '?').length * 6.7) + 12;

/** Boxes bucketed on a grid, so a query touches only the layers near its rectangle. */
class Space {
  private readonly rows = new Map<number, Map<number, Box[]>>();
  add(b: Box): void {
    for (let r = Math.floor(b.y / BUCKET); r <= Math.floor((b.y + b.h) / BUCKET); r++) {
      let row = this.rows.get(r);
      if (!row) this.rows.set(r, (row = new Map()));
      for (let c = Math.floor(b.x / BUCKET_W); c <= Math.floor((b.x + b.w) / BUCKET_W); c++) {
        const cell = row.get(c);
        if (cell) cell.push(b);
        else row.set(c, [b]);
      }
    }
  }
  /** Boxes overlapping the (finite) rectangle, each once. */
  query(x0: number, y0: number, x1: number, y1: number): Box[] {
    const out = new Set<Box>();
    const [c0, c1] = [Math.floor(x0 / BUCKET_W), Math.floor(x1 / BUCKET_W)];
    for (let r = Math.floor(y0 / BUCKET); r <= Math.floor(y1 / BUCKET); r++) {
      const row = this.rows.get(r);
      if (!row) continue;
      // A wide query over a sparse row walks the row's cells, not the empty columns.
      const cells = c1 - c0 > row.size ? [...row].filter(([c]) => c >= c0 && c <= c1).map(([, cell]) => cell) : Array.from({ length: c1 - c0 + 1 }, (_, k) => row.get(c0 + k) ?? []);
      for (const cell of cells) {
        for (const b of cell) if (b.x < x1 && b.x + b.w > x0 && b.y < y1 && b.y + b.h > y0) out.add(b);
      }
    }
    return [...out];
  }
}

/** The x nearest `want` where a strip of `width` fits between the boxes; ties go right. */
function freeX(want: number, width: number, boxes: readonly Box[]): number {
  const half = width / 2 + MARGIN;
  const blocked = boxes.map((b) => [b.x - half, b.x + b.w + half] as const).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of blocked) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  const inside = merged.find(([a, b]) => want > a && want < b);
  if (!inside) return want;
  return want - inside[0] < inside[1] - want ? inside[0] : inside[1];
}

/** freeX over the layers and lanes between `top` and `bottom`, looking wider until the answer is inside the window looked at. */
function laneX(space: Space, want: number, width: number, top: number, bottom: number): number {
  for (let reach = LANE_SEARCH; ; reach *= 4) {
    const x = freeX(want, width, space.query(want - reach, top, want + reach, bottom));
    if (Math.abs(x - want) + width < reach || reach > 1e7) return x;
  }
}

export interface RouteInput {
  nodes: readonly LayerNode[];
  edges: readonly ShapeEdge[];
  /** The label an edge shows, for its width. */
  label(edge: ShapeEdge): string | undefined;
}

/** Edges with their `data.lane` set where they need one and removed where not; unchanged edges are the same objects. */
export function routeEdges({ nodes, edges, label }: RouteInput): ShapeEdge[] {
  const space = new Space();
  const box = new Map<string, Box>();
  for (const n of nodes) {
    const b = { x: n.position.x, y: n.position.y, w: n.measured?.width ?? NODE_WIDTH, h: n.measured?.height ?? NODE_HEIGHT, id: n.id };
    box.set(n.id, b);
    space.add(b);
  }
  const slots = new Map<string, number>();
  for (const e of edges) {
    const i = slotIndex(e.targetHandle);
    if (i >= 0) slots.set(e.target, Math.max(slots.get(e.target) ?? 2, i + 2));
  }
  // Short edges first: they are the chain, and keep the straight lines; long ones go round them.
  const order = edges.map((e, i) => i);
  const span = (e: ShapeEdge) => Math.abs((box.get(e.target)?.y ?? 0) - (box.get(e.source)?.y ?? 0));
  order.sort((a, b) => span(edges[a]) - span(edges[b]) || a - b);

  const lanes: (Lane | null)[] = new Array(edges.length).fill(null);
  for (const i of order) {
    const e = edges[i];
    const s = box.get(e.source);
    const t = box.get(e.target);
    if (!s || !t) continue;
    const slot = slotIndex(e.targetHandle);
    const sx = s.x + s.w / 2;
    const sy = s.y + s.h;
    const tx = slot >= 0 ? t.x + (t.w * (slot + 1)) / ((slots.get(e.target) ?? 2) + 1) : t.x + t.w / 2;
    const ty = t.y;
    const lw = labelWidth(label(e));
    if (ty > sy + 2 * TURN) {
      // A curve stays within its endpoints' x-range; its label sits at the middle.
      // Crossing another edge's lane is fine; crossing a layer is not.
      const crossed = space.query(Math.min(sx, tx) - MARGIN, sy + 1, Math.max(sx, tx) + MARGIN, ty - 1).some((b) => b.id !== e.source && b.id !== e.target && !b.lane);
      const mx = (sx + tx) / 2;
      const my = (sy + ty) / 2;
      const covered = space.query(mx - lw / 2, my - LABEL_HEIGHT / 2, mx + lw / 2, my + LABEL_HEIGHT / 2).length > 0;
      if (!crossed && !covered) continue;
    }
    // The turns below the source and above the target, clear of layers beside them.
    let down = TURN;
    let up = TURN;
    const lane = (x: number) => {
      const top = Math.min(sy + down, ty - up);
      const bottom = Math.max(sy + down, ty - up);
      return { top, bottom, x };
    };
    let x = (sx + tx) / 2;
    for (let tries = 0; tries < 4; tries++) {
      const { top, bottom } = lane(x);
      x = laneX(space, (sx + tx) / 2, lw, top - LABEL_HEIGHT, bottom + LABEL_HEIGHT);
      const layer = (b: Box) => !b.lane;
      const leaving = space.query(Math.min(sx, x), sy + down - 2, Math.max(sx, x), sy + down + 2).filter((b) => b.id !== e.source && layer(b));
      const entering = space.query(Math.min(tx, x), ty - up - 2, Math.max(tx, x), ty - up + 2).filter((b) => b.id !== e.target && layer(b));
      if (!leaving.length && !entering.length) break;
      for (const b of leaving) down = Math.max(down, b.y + b.h + TURN - sy);
      for (const b of entering) up = Math.max(up, ty - b.y + TURN);
    }
    const { top, bottom } = lane(x);
    // Later lanes keep clear of this one and its label.
    space.add({ x: x - lw / 2, y: top, w: lw, h: Math.max(1, bottom - top), id: e.id, lane: true });
    lanes[i] = { x: Math.round(x), down: Math.round(down), up: Math.round(up) };
  }

  return edges.map((e, i) => {
    const want = lanes[i];
    const had = (e.data as { lane?: Lane } | undefined)?.lane;
    if (!want && !had) return e;
    if (want && had && want.x === had.x && want.down === had.down && want.up === had.up) return e;
    const data = { ...(e.data ?? {}) };
    if (want) data.lane = want;
    else delete data.lane;
    return { ...e, data };
  });
}
