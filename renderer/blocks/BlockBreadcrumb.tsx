/**
 * Above the canvas while a block is open: where you are (the graph › b1 · vgg_block › ...), each
 * step a way back up, and what editing here means (every node of the block changes), or, for a
 * built-in block, that it can be looked at and copied to edit.
 */

import { Panel } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { typeLabel } from '../../shared/graph/summary';
import { useStore, type Store } from '../store/index';
import { layerOf } from '../../shared/layers/index';
import { analyzeGraph } from '../../shared/shapes/index';
import { fullDoc, usesOf, type Frame } from './view';
import { viewOf } from './blocks-slice';

const selectCrumbs = (s: Store) => ({ name: s.name, frames: s.frames });

/** The frame shows a built-in block (which can be copied), not the copies of a repeated layer. */
const builtIn = (f: Frame) => layerOf(f.nodes.find((n) => n.id === f.nodeId)?.data.type ?? '')?.kind === 'block';

/** What an edit here changes: every use of the block in the network (the store holds only this level's analysis). */
function usesText(s: Store, name: string): string {
  const doc = fullDoc(viewOf(s));
  const k = usesOf(name, doc, analyzeGraph(doc));
  return k === 1 ? 'changes apply to its one use in this network' : `changes apply to all ${k.toLocaleString('en')} uses of it in this network`;
}

export function BlockBreadcrumb() {
  const { name, frames } = useStore(useShallow(selectCrumbs));
  if (!frames.length) return null;
  const top = frames[frames.length - 1];
  const s = useStore.getState();
  // A frame keeps the level it was opened from, so the opened node is found there.
  const steps = frames.map((f) => {
    const opened = f.nodes.find((n) => n.id === f.nodeId);
    return { id: f.nodeId, type: opened ? typeLabel(opened.data.type, opened.data.repeat) : '' };
  });
  return (
    <Panel position="top-center" className="block-breadcrumb" data-testid="block-breadcrumb">
      <nav>
        <button className="link" data-testid="crumb-0" onClick={() => s.leaveBlock(0)}>{name || 'graph'}</button>
        {steps.map((st, i) => (
          <span key={`${i}.${st.id}`}>
            <span className="crumb-sep">›</span>
            {i + 1 < steps.length
              ? <button className="link" data-testid={`crumb-${i + 1}`} onClick={() => s.leaveBlock(i + 1)}>{st.id} <span className="muted">{st.type}</span></button>
              : <strong data-testid="crumb-here">{st.id} <span className="muted">{st.type}</span></strong>}
          </span>
        ))}
        <button data-testid="leave-block" title="Back to the level above (Esc)" onClick={() => s.leaveBlock()}>Back</button>
      </nav>
      <div className="crumb-note" data-testid="crumb-note">
        {top.block !== null
          ? <>Editing the block <code>{top.block}</code>: {usesText(s, top.block)}. Shapes are those of {frames.map((f) => f.nodeId).join('.')}{top.copy ? ' (copy 0)' : ''}.</>
          : <>
            Built in: to look at, not to edit.
            {builtIn(top) && <button data-testid="edit-copy" onClick={() => { const made = s.makeEditable(); if (made) s.toast('info', `${top.nodeId} now uses block ${made}, a copy you can edit.`); }}>Edit a copy</button>}
          </>}
      </div>
    </Panel>
  );
}
