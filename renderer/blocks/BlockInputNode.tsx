/** The block's input on the canvas while a block is open: where its first layers take their data from. */

import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { LayerNode } from '../model/graph-model';
import { useStore } from '../store/index';

function BlockInputNodeImpl({ id }: NodeProps<LayerNode>) {
  const view = useStore((s) => s.nodeViews[id]);
  return (
    <div className="layer-node block-input" data-testid={`node-${id}`} title="The block's input: wire the block's first layers from here">
      <div className="layer-head">
        <span className="layer-type">in</span>
        <span className="layer-id">block input</span>
      </div>
      <div className="layer-stats">
        <span className="layer-shape" data-testid={`shape-${id}`} title={`input ${view?.fullShape ?? ''}`}>→ {view?.shape ?? '?'}</span>
      </div>
      <Handle type="source" position={Position.Bottom} className="handle" />
    </div>
  );
}

export const BlockInputNode = memo(BlockInputNodeImpl);
