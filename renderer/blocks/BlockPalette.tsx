/** The palette's "This file's blocks": each block definition of the document, to drop or click onto the canvas. */

import { useReactFlow } from '@xyflow/react';
import { PALETTE_MIME, type PaletteItem } from '../canvas/palette-dnd';
import { useStore, type Store } from '../store/index';
import { specFor } from './view';

const selectBlocks = (s: Store) => s.blocks;

export function BlockPalette() {
  const blocks = useStore(selectBlocks);
  const flow = useReactFlow();
  const names = Object.keys(blocks);
  if (!names.length) return null;
  const addAtCenter = (type: string) => {
    const el = document.querySelector('.canvas')?.getBoundingClientRect();
    const at = el ? flow.screenToFlowPosition({ x: el.left + el.width / 2, y: el.top + el.height / 2 }) : { x: 0, y: 0 };
    useStore.getState().addNode(type, { x: at.x - 110, y: at.y - 40 });
  };
  return (
    <section data-testid="palette-blocks">
      <h2>This file&apos;s blocks</h2>
      <ul>
        {names.map((name) => {
          const type = `block:${name}`;
          const spec = specFor(type, blocks);
          const item: PaletteItem = { kind: 'node', type };
          return (
            <li key={name}>
              <button
                className="palette-item cat-blocks"
                draggable
                data-testid={`palette-block-${name}`}
                title={`${spec?.doc ?? name}${spec?.params.length ? `\nParams: ${spec.params.map((p) => p.name).join(', ')}` : ''}\nDrag onto the canvas, or click to add.`}
                onDragStart={(e) => { e.dataTransfer.setData(PALETTE_MIME, JSON.stringify(item)); e.dataTransfer.effectAllowed = 'copy'; }}
                onClick={() => addAtCenter(type)}
              >
                {name}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
