/**
 * Layers from the catalogue, grouped by category, and the templates; drag onto the canvas or
 * click. With one layer selected, a click appends the new layer after it, wired, and selects it,
 * so clicking Conv2d, ReLU, MaxPool2d in turn builds that chain.
 */

import type { DragEvent } from 'react';
import { useReactFlow } from '@xyflow/react';
import { CATALOGUE, CATEGORIES } from '../../shared/graph/catalogue';
import { TEMPLATES } from '../../shared/templates/index';
import { BlockPalette } from '../blocks/BlockPalette';
import { PALETTE_MIME, type PaletteItem } from '../canvas/palette-dnd';
import { useStore } from '../store/index';

function startDrag(e: DragEvent, item: PaletteItem) {
  e.dataTransfer.setData(PALETTE_MIME, JSON.stringify(item));
  e.dataTransfer.effectAllowed = 'copy';
}

export function Palette() {
  const flow = useReactFlow();
  // Clicking appends to the selected layer, or places the layer in the middle of the view.
  const addByClick = (type: string) => {
    const s = useStore.getState();
    if (s.appendToSelected(type)) return;
    const el = document.querySelector('.canvas')?.getBoundingClientRect();
    const at = el ? flow.screenToFlowPosition({ x: el.left + el.width / 2, y: el.top + el.height / 2 }) : { x: 0, y: 0 };
    s.addNode(type, { x: at.x - 110, y: at.y - 40 });
  };
  const addTemplate = (id: string) => {
    const s = useStore.getState();
    // On a canvas with a network this only asks "replace or add"; the answer fits the view.
    if (s.addTemplate(id, null) && !useStore.getState().templateQuestion) s.requestFit();
  };

  return (
    <aside className="palette" aria-label="Palette">
      <h2>Templates</h2>
      <ul>
        {TEMPLATES.map((t) => (
          <li key={t.id}>
            <button
              className="palette-item template"
              draggable
              data-testid={`template-${t.id}`}
              title={`${t.description}\nDrag onto the canvas, or click to add.`}
              onDragStart={(e) => startDrag(e, { kind: 'template', id: t.id })}
              onClick={() => addTemplate(t.id)}
            >
              {t.name}
            </button>
          </li>
        ))}
      </ul>
      <BlockPalette />
      {CATEGORIES.map((cat) => (
        <section key={cat}>
          <h2>{cat}</h2>
          <ul>
            {CATALOGUE.filter((s) => s.category === cat).map((s) => (
              <li key={s.type}>
                <button
                  className={`palette-item cat-${cat.toLowerCase()}`}
                  draggable
                  data-testid={`palette-${s.type}`}
                  title={`${s.doc}\nDrag onto the canvas, or click to add (after the selected layer, when one is).`}
                  onDragStart={(e) => startDrag(e, { kind: 'node', type: s.type })}
                  onClick={() => addByClick(s.type)}
                >
                  {s.label}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}
