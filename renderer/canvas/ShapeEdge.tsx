/** An edge labelled with the tensor shape flowing along it (C×H×W, or F once flattened). */

import { memo } from 'react';
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import type { ShapeEdge as ShapeEdgeType } from '../model/graph-model';
import { useStore } from '../store/index';

/**
 * Auto-layout folds long chains into columns, so an edge may run from the bottom of one column
 * to the top of the next. A bezier would cut diagonally across both columns' layers; route it
 * instead down, through the gap between the columns, and in from above.
 */
function foldedPath(sx: number, sy: number, tx: number, ty: number): string {
  const gx = (sx + tx) / 2;
  const below = sy + 18;
  const above = ty - 18;
  return `M ${sx},${sy} L ${sx},${below} L ${gx},${below} L ${gx},${above} L ${tx},${above} L ${tx},${ty}`;
}

function ShapeEdgeImpl({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd }: EdgeProps<ShapeEdgeType>) {
  const view = useStore((s) => s.edgeViews[id]);
  const folded = targetY < sourceY && Math.abs(targetX - sourceX) > 120;
  const [bezier, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const path = folded ? foldedPath(sourceX, sourceY, targetX, targetY) : bezier;
  // A folded edge's label sits just under its source, where the reader's eye already is.
  const x = folded ? sourceX : labelX;
  const y = folded ? sourceY + 32 : labelY;
  const unknown = !view || view.label === '?';
  const cls = `edge-label${view?.severity ? ` edge-${view.severity}` : ''}${unknown ? ' edge-unknown' : ''}${selected ? ' selected' : ''}`;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={view?.severity === 'error' ? 'edge-path-error' : undefined} />
      <EdgeLabelRenderer>
        <div className={cls} data-testid={`edge-label-${id}`} style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}>
          <span title={unknown ? 'unknown: an earlier layer has an error' : undefined}>{view?.label ?? '?'}</span>
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeImpl);
