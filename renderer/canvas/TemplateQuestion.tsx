/**
 * "Replace or add": a template dropped on a canvas that already holds a network. Adding it
 * silently beside the first gave two networks and a page of "not connected" errors; replacing it
 * silently would lose work. Either answer is one undo step.
 */

import { useEffect } from 'react';
import { nodeSpec } from '../../shared/graph/catalogue';
import { TEMPLATES } from '../../shared/templates/index';
import { useStore, type Store } from '../store/index';

const selectQuestion = (s: Store) => s.templateQuestion;
const selectLayerCount = (s: Store) => s.nodes.filter((n) => nodeSpec(n.data.type)?.inputs !== 0).length;

export function TemplateQuestion() {
  const q = useStore(selectQuestion);
  const layers = useStore(selectLayerCount);
  useEffect(() => {
    if (!q) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') useStore.getState().answerTemplate('cancel');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [q]);
  if (!q) return null;
  const name = TEMPLATES.find((t) => t.id === q.id)?.name ?? q.id;
  const answer = (a: 'replace' | 'add' | 'cancel') => useStore.getState().answerTemplate(a);
  return (
    <div className="overlay" data-testid="template-question" onClick={() => answer('cancel')}>
      <div className="dialog" role="dialog" aria-label={`Add ${name}`} onClick={(e) => e.stopPropagation()}>
        <h2>Add {name}</h2>
        <p>
          The canvas already holds a network ({layers} layer{layers === 1 ? '' : 's'}). Replace it with {name}, or add {name} beside it as a second,
          separate network? Either way, Undo takes it back.
        </p>
        <div className="dialog-buttons">
          <button className="primary" data-testid="template-replace" onClick={() => answer('replace')} autoFocus>
            Replace
          </button>
          <button data-testid="template-add" onClick={() => answer('add')}>Add beside</button>
          <button data-testid="template-cancel" onClick={() => answer('cancel')}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
