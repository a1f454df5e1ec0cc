/**
 * One layer on the canvas: its type and key params, the shape it outputs, its parameter count
 * and receptive field, and — when something is wrong — a badge, the diagnostic with its
 * arithmetic, and the fix as a button. It subscribes only to its own view.
 */

import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { BlockFooter, RepeatBadge } from '../blocks/BlockCard';
import { BlockInputNode } from '../blocks/BlockInputNode';
import { BLOCK_INPUT_TYPE, specFor } from '../blocks/view';
import type { LayerNode as LayerNodeType } from '../model/graph-model';
import { paramSummary } from '../model/format';
import { useStore } from '../store/index';
import type { Store } from '../store/index';

const selectApplyFix = (s: Store) => s.applyFix;
const selectBlocks = (s: Store) => s.blocks;

/**
 * Add's and Concat's numbered inputs: one handle per used slot and a free one, numbered as the
 * inputs are ordered (torch.cat's list order), so which wire is input 1 is visible.
 */
function InputSlots({ count }: { count: number }) {
  return (
    <>
      {Array.from({ length: count }, (_, i) => {
        const left = `${((i + 1) / (count + 1)) * 100}%`;
        return (
          <Handle key={i} id={`in${i}`} type="target" position={Position.Top} className="handle handle-slot" style={{ left }} title={`input ${i + 1}`}>
            <span className="slot-number">{i + 1}</span>
          </Handle>
        );
      })}
    </>
  );
}

function LayerNodeImpl({ id, data, selected }: NodeProps<LayerNodeType>) {
  const view = useStore((s) => s.nodeViews[id]);
  const applyFix = useStore(selectApplyFix);
  const spec = specFor(data.type, useStore(selectBlocks));
  const first = view?.diagnostics[0];
  const more = (view?.diagnostics.length ?? 0) - 1;
  const cls = ['layer-node', `cat-${(spec?.category ?? 'unknown').toLowerCase()}`, selected ? 'selected' : '', view?.severity ? `has-${view.severity}` : '', data.expanded ? 'expanded' : ''].join(' ');

  return (
    <div className={cls} data-testid={`node-${id}`} data-severity={view?.severity ?? 'ok'}>
      {spec?.inputs === 1 && <Handle type="target" position={Position.Top} className="handle" />}
      {spec?.inputs === 'many' && <InputSlots count={view?.slots ?? 2} />}
      <div className="layer-head">
        <span className="layer-type">{spec?.label ?? data.type}</span>
        <span className="layer-id">{id}</span>
        <RepeatBadge data={data} />
        {view?.severity && (
          <span className={`badge badge-${view.severity}`} title={`${view.diagnostics.length} problem(s)`} data-testid={`badge-${id}`}>
            {view.severity === 'error' ? '!' : '⚠'}
            {view.diagnostics.length > 1 ? view.diagnostics.length : ''}
          </span>
        )}
      </div>
      {/* An Input's params are its output shape, already on the next line. */}
      {Object.keys(data.params).length > 0 && data.type !== 'Input' && <div className="layer-params">{paramSummary(data.type, data.params)}</div>}
      <div className="layer-stats">
        <span className="layer-shape" data-testid={`shape-${id}`} title={`output ${view?.fullShape ?? ''}`}>
          → {view?.shape ?? '?'}
        </span>
        <span className="layer-count" title="trainable parameters">{view && view.params > 0 ? `${view.paramsText} params` : ''}</span>
        {view?.rf && <span className="layer-rf" title="receptive field on the input (pixels)">RF {view.rf}</span>}
      </div>
      <BlockFooter id={id} data={data} />
      {first && (
        <div className={`layer-diag diag-${first.severity}`} data-testid={`diag-${id}`}>
          <div className="diag-text">{first.message}</div>
          {first.fix && (
            <button className="nodrag fix-button" data-testid={`fix-${id}`} onClick={(e) => { e.stopPropagation(); applyFix(first.fix!); }}>
              {first.fix.label}
            </button>
          )}
          {(more > 0 || first.alternatives) && (
            <div className="diag-more">
              {[more > 0 ? `+${more} more` : '', first.alternatives ? `${first.alternatives.length} other fix${first.alternatives.length > 1 ? 'es' : ''}` : ''].filter(Boolean).join(', ')} in the inspector
            </div>
          )}
        </div>
      )}
      <Handle type="source" position={Position.Bottom} className="handle" />
    </div>
  );
}

// While a block is open, its input stands on the canvas as a node of its own kind.
export const LayerNode = memo((props: NodeProps<LayerNodeType>) => (props.data.type === BLOCK_INPUT_TYPE ? <BlockInputNode {...props} /> : <LayerNodeImpl {...props} />));
