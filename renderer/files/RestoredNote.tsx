/** The note that the canvas came back from the autosave, with the way to keep it or throw it away. */

import { useStore } from '../store/index';
import { selectRestored } from '../store/selectors';
import { discardRestored } from './autosave';

export function RestoredNote() {
  const restored = useStore(selectRestored);
  const dirty = useStore((s) => s.dirty);
  const fileName = useStore((s) => s.fileName);
  if (!restored) return null;
  const when = new Date(restored.savedAt).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const what = fileName ? `${fileName}${dirty ? ', with its unsaved changes,' : ''}` : 'your untitled graph';
  return (
    <div className="restored-note" role="status" data-testid="restored-note">
      Restored {what} as autosaved at {when}.
      <button data-testid="restored-keep" onClick={() => useStore.getState().setRestored(null)}>Keep</button>
      <button data-testid="restored-discard" title="Start a new, empty graph instead" onClick={() => void discardRestored()}>Discard</button>
    </div>
  );
}
