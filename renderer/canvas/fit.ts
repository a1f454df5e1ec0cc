/**
 * Fitting the graph in view without hiding any of it under the zoom controls (bottom left) or
 * the minimap (bottom right). Either the graph keeps clear of their columns, or of the band they
 * sit in, whichever leaves it larger: a tall network keeps to the middle, a wide one above them.
 * A graph too big to read when shown whole (thousands of layers) opens at its start instead.
 */

import type { ReactFlowInstance } from '@xyflow/react';
import { NODE_HEIGHT, NODE_WIDTH, type LayerNode, type ShapeEdge } from '../model/graph-model';

const MARGIN = 24;
/** Room under the last layer: a folded edge dips below it, with its shape label. */
const LABEL_HANG = 32;
export const MAX_FIT_ZOOM = 1;
/** Below this zoom a layer's text is unreadable; show the start of the graph instead. */
export const MIN_READABLE_ZOOM = 0.2;
const START_ZOOM = 0.8;

interface Sides { top: number; right: number; bottom: number; left: number }

/** Where the canvas's overlays are, relative to the canvas element. */
function overlays(container: HTMLElement): { controls: DOMRect | null; minimap: DOMRect | null; header: DOMRect | null; box: DOMRect } {
  const box = container.getBoundingClientRect();
  const find = (sel: string) => container.querySelector(sel)?.getBoundingClientRect() ?? null;
  // While a block is open, its breadcrumb stands at the top (renderer/blocks/BlockBreadcrumb.tsx).
  return { controls: find('.react-flow__controls'), minimap: find('.react-flow__minimap'), header: find('.block-breadcrumb'), box };
}

/** The two ways to keep clear of the overlays, as padding per side in pixels. */
export function fitPaddings(box: { width: number; height: number; left: number; top: number; right: number; bottom: number }, controls: DOMRect | null, minimap: DOMRect | null, header: DOMRect | null = null): Sides[] {
  const top = header ? header.bottom - box.top + MARGIN : MARGIN;
  const columns: Sides = {
    top,
    bottom: MARGIN + LABEL_HANG,
    left: controls ? controls.right - box.left + MARGIN : MARGIN,
    right: minimap ? box.right - minimap.left + MARGIN : MARGIN,
  };
  const band = Math.max(controls ? box.bottom - controls.top : 0, minimap ? box.bottom - minimap.top : 0);
  const below: Sides = { top, bottom: Math.max(band + MARGIN, MARGIN + LABEL_HANG), left: MARGIN, right: MARGIN };
  return [columns, below];
}

export type FitResult = 'fitted' | 'start' | 'empty';

export function fitGraph(flow: ReactFlowInstance<LayerNode, ShapeEdge>, container: HTMLElement | null, duration = 0): FitResult {
  const nodes = flow.getNodes();
  if (!nodes.length || !container) return 'empty';
  // Layers not measured yet (just added, or never mounted in a huge graph) count at the default size.
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const n of nodes) {
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + (n.measured?.width ?? NODE_WIDTH));
    y1 = Math.max(y1, n.position.y + (n.measured?.height ?? NODE_HEIGHT));
  }
  const bounds = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const { controls, minimap, header, box } = overlays(container);
  const W = box.width;
  const H = box.height;
  const zoomFor = (p: Sides) => Math.min((W - p.left - p.right) / Math.max(1, bounds.width), (H - p.top - p.bottom) / Math.max(1, bounds.height));
  const [a, b] = fitPaddings(box, controls, minimap, header);
  const pad = zoomFor(a) >= zoomFor(b) ? a : b;
  const zoom = Math.min(MAX_FIT_ZOOM, zoomFor(pad));
  if (zoom < MIN_READABLE_ZOOM) {
    // The Input (or the top-left layer) at a readable size, where the reader starts.
    const start = nodes.find((n) => n.data.type === 'Input') ?? nodes.reduce((m, n) => (n.position.y + n.position.x < m.position.y + m.position.x ? n : m));
    void flow.setViewport({ x: a.left + MARGIN - start.position.x * START_ZOOM, y: MARGIN - start.position.y * START_ZOOM, zoom: START_ZOOM }, { duration });
    return 'start';
  }
  const x = pad.left + (W - pad.left - pad.right - bounds.width * zoom) / 2 - bounds.x * zoom;
  const y = pad.top + (H - pad.top - pad.bottom - bounds.height * zoom) / 2 - bounds.y * zoom;
  void flow.setViewport({ x, y, zoom }, { duration });
  return 'fitted';
}

/**
 * Pans (never zooms) just enough that a layer's box is inside the view and clear of the
 * overlays' band; nothing when it already is.
 */
export function revealNode(flow: ReactFlowInstance<LayerNode, ShapeEdge>, container: HTMLElement | null, id: string): void {
  const node = flow.getInternalNode(id);
  if (!node || !container) return;
  const { x: vx, y: vy, zoom } = flow.getViewport();
  const { controls, minimap, box } = overlays(container);
  const bottomBand = Math.max(controls ? box.bottom - controls.top : 0, minimap ? box.bottom - minimap.top : 0);
  const w = (node.measured.width ?? 0) * zoom;
  const h = (node.measured.height ?? 0) * zoom;
  const left = node.internals.positionAbsolute.x * zoom + vx;
  const top = node.internals.positionAbsolute.y * zoom + vy;
  const maxBottom = box.height - bottomBand - MARGIN;
  let dx = 0;
  let dy = 0;
  if (top + h > maxBottom) dy = maxBottom - (top + h);
  if (top + dy < MARGIN) dy = MARGIN - top;
  if (left + w > box.width - MARGIN) dx = box.width - MARGIN - (left + w);
  if (left + dx < MARGIN) dx = MARGIN - left;
  if (dx || dy) void flow.setViewport({ x: vx + dx, y: vy + dy, zoom }, { duration: 200 });
}
