/** Keyboard shortcuts as data: the key handler and the help overlay read the same table. */

export interface Shortcut {
  keys: string;
  /** Matches a keydown; mod is Ctrl, or Cmd on macOS. */
  match: (e: KeyboardEvent, mod: boolean) => boolean;
  action: ShortcutAction;
  about: string;
}

export type ShortcutAction =
  | 'undo' | 'redo' | 'copy' | 'cut' | 'paste' | 'delete' | 'selectAll' | 'layout' | 'fit'
  | 'save' | 'saveAs' | 'open' | 'new' | 'help' | 'escape' | 'summary' | 'train' | 'inspect';

const k = (e: KeyboardEvent) => e.key.toLowerCase();

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: 'Ctrl+Z', match: (e, m) => m && !e.shiftKey && k(e) === 'z', action: 'undo', about: 'Undo the last edit' },
  { keys: 'Ctrl+Shift+Z / Ctrl+Y', match: (e, m) => m && ((e.shiftKey && k(e) === 'z') || k(e) === 'y'), action: 'redo', about: 'Redo' },
  { keys: 'Ctrl+C', match: (e, m) => m && k(e) === 'c', action: 'copy', about: 'Copy the selected layers' },
  { keys: 'Ctrl+X', match: (e, m) => m && k(e) === 'x', action: 'cut', about: 'Cut the selected layers' },
  { keys: 'Ctrl+V', match: (e, m) => m && k(e) === 'v', action: 'paste', about: 'Paste' },
  { keys: 'Delete / Backspace', match: (e, m) => !m && (e.key === 'Delete' || e.key === 'Backspace'), action: 'delete', about: 'Delete the selected layers and edges' },
  { keys: 'Ctrl+A', match: (e, m) => m && k(e) === 'a', action: 'selectAll', about: 'Select everything' },
  { keys: 'L', match: (e, m) => !m && !e.shiftKey && k(e) === 'l', action: 'layout', about: 'Auto-layout the graph' },
  { keys: 'F', match: (e, m) => !m && !e.shiftKey && k(e) === 'f', action: 'fit', about: 'Fit the graph in view' },
  { keys: 'I', match: (e, m) => !m && k(e) === 'i', action: 'inspect', about: 'Show the inspector' },
  { keys: 'S', match: (e, m) => !m && !e.shiftKey && k(e) === 's', action: 'summary', about: 'Show the layer summary' },
  { keys: 'T', match: (e, m) => !m && k(e) === 't', action: 'train', about: 'Show the training panel' },
  { keys: 'Ctrl+S', match: (e, m) => m && !e.shiftKey && k(e) === 's', action: 'save', about: 'Save' },
  { keys: 'Ctrl+Shift+S', match: (e, m) => m && e.shiftKey && k(e) === 's', action: 'saveAs', about: 'Save as…' },
  { keys: 'Ctrl+O', match: (e, m) => m && k(e) === 'o', action: 'open', about: 'Open a graph file' },
  { keys: 'Alt+N', match: (e, m) => !m && e.altKey && k(e) === 'n', action: 'new', about: 'New graph (Ctrl+N belongs to the browser)' },
  { keys: '?', match: (e) => e.key === '?', action: 'help', about: 'Show or hide this help' },
  { keys: 'Esc', match: (e) => e.key === 'Escape', action: 'escape', about: 'Close overlays' },
];

export function shortcutFor(e: KeyboardEvent): ShortcutAction | null {
  const mod = navigator.platform.startsWith('Mac') ? e.metaKey : e.ctrlKey;
  return SHORTCUTS.find((s) => s.match(e, mod))?.action ?? null;
}
