/** An edge labelled with the tensor shape flowing along it (C×H×W, or F once flattened). */

import { memo } from 'react';
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import type { ShapeEdge as ShapeEdgeType } from '../model/graph-model';
import { useStore } from '../store/index';
import { lanePoints, type Lane } from './routing';

/** A polyline with its corners rounded, as an SVG path. */
function rounded(points: readonly [number, number][], radius = 8): string {
  let d = `M ${points[0][0]},${points[0][1]}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [px, py] = points[i - 1];
    const [x, y] = points[i];
    const [nx, ny] = points[i + 1];
    const rIn = Math.min(radius, Math.hypot(x - px, y - py) / 2);
    const rOut = Math.min(radius, Math.hypot(nx - x, ny - y) / 2);
    d += ` L ${x - Math.sign(x - px) * rIn},${y - Math.sign(y - py) * rIn} Q ${x},${y} ${x + Math.sign(nx - x) * rOut},${y + Math.sign(ny - y) * rOut}`;
  }
  const [lx, ly] = points[points.length - 1];
  return `${d} L ${lx},${ly}`;
}

function ShapeEdgeImpl({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd, data }: EdgeProps<ShapeEdgeType>) {
  const view = useStore((s) => s.edgeViews[id]);
  const lane = (data as { lane?: Lane } | undefined)?.lane;
  const [bezier, bx, by] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const routed = lane ? lanePoints(sourceX, sourceY, targetX, targetY, lane) : null;
  const path = routed ? rounded(routed.points) : bezier;
  const [x, y] = routed ? routed.label : [bx, by];
  const unknown = !view || view.label === '?';
  const cls = `edge-label${view?.severity ? ` edge-${view.severity}` : ''}${unknown ? ' edge-unknown' : ''}${selected ? ' selected' : ''}`;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={view?.severity === 'error' ? 'edge-path-error' : undefined} />
      <EdgeLabelRenderer>
        <div
          className={cls}
          data-testid={`edge-label-${id}`}
          style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
          onClick={(e) => {
            e.stopPropagation();
            useStore.getState().selectEdge(id);
          }}
        >
          <span title={unknown ? 'unknown: an earlier layer has an error' : undefined}>{view?.label ?? '?'}</span>
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeImpl);
