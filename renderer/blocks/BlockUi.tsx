/** What blocks add to the window: the name prompt of "Group into a block", Ctrl+G, Esc to leave a block. */

import { useEffect, useState } from 'react';
import { useStore, type Store } from '../store/index';
import './blocks.css';

const selectDialog = (s: Store) => s.groupDialog;

function GroupDialog() {
  const [name, setName] = useState('my_block');
  const [error, setError] = useState<string | null>(null);
  const s = useStore.getState();
  const submit = () => {
    const why = s.groupSelected(name);
    setError(why);
    if (!why) s.toast('info', `Grouped into block ${name.trim()}. Double-click it to see its inside.`);
  };
  return (
    <div className="overlay" data-testid="group-dialog" onClick={() => s.closeGroupDialog()}>
      <form className="dialog" onClick={(e) => e.stopPropagation()} onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <h2>Group into a block</h2>
        <p>The selected layers become one block of this file, used by one node in their place. Other nodes can use it too (the palette lists it), each with its own weights.</p>
        <div className="field">
          <label htmlFor="block-name">Block name</label>
          <input id="block-name" data-testid="block-name" autoFocus value={name} spellCheck={false} className={error ? 'invalid' : undefined} onChange={(e) => setName(e.target.value)} />
          <div className="field-help">{error ? <span className="field-error">{error}</span> : 'Letters, digits and _, like vgg_block: it is also the PyTorch name.'}</div>
        </div>
        <button type="submit" className="primary" data-testid="group-ok">Group</button>{' '}
        <button type="button" onClick={() => s.closeGroupDialog()}>Cancel</button>
      </form>
    </div>
  );
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function BlockUi() {
  const open = useStore(selectDialog);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      const s = useStore.getState();
      const mod = navigator.platform.startsWith('Mac') ? e.metaKey : e.ctrlKey;
      if (mod && e.key.toLowerCase() === 'g') {
        e.preventDefault();
        s.askGroup();
      } else if (e.key === 'Escape' && s.frames.length && !s.groupDialog && !s.helpOpen) {
        s.leaveBlock();
      }
    };
    // Capture: this runs before the app's own keys, so Esc still sees whether the help is open.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
  return open ? <GroupDialog /> : null;
}
