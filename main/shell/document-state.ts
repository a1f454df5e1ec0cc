/**
 * The unsaved-changes rule for closing the window, as a small state machine without Electron:
 * the page reports {dirty, title}; a close with unsaved changes asks Save / Don't Save / Cancel;
 * "Save" asks the page to save and closes only once a save really happened (a cancelled or
 * failed save keeps the window open).
 */

import { fail, ok, type DocumentState, type Result } from '../../shared/api';

export type CloseChoice = 'save' | 'discard' | 'cancel';

export interface DocumentTrackerHooks {
  /** The state changed (update the title bar). */
  onChange?(state: DocumentState): void;
  /** Ask the page to save, then report back via saveFinished / setState. */
  requestSave(): void;
  /** Close the window for real (no further prompt). */
  close(): void;
}

export interface DocumentTracker {
  readonly state: DocumentState;
  setState(input: unknown): Promise<Result<null>>;
  /** A close was requested: true lets it proceed, false means it was held back (prompt first). */
  mayClose(): boolean;
  /** The answer to the unsaved-changes prompt. */
  answer(choice: CloseChoice): void;
  /** A save through the Api finished (saved = a file was written). */
  saveFinished(saved: boolean): void;
}

const MAX_TITLE = 256;

export function createDocumentTracker(hooks: DocumentTrackerHooks): DocumentTracker {
  let state: DocumentState = { dirty: false, title: 'Untitled' };
  let closeAfterSave = false;
  let confirmed = false;
  const closeNow = () => {
    confirmed = true;
    closeAfterSave = false;
    hooks.close();
  };
  return {
    get state() {
      return state;
    },
    async setState(input) {
      const s = input as Partial<DocumentState> | null;
      if (typeof s !== 'object' || s === null || typeof s.dirty !== 'boolean' || typeof s.title !== 'string' || s.title.length > MAX_TITLE) {
        return fail('bad-request', `Expected { dirty: boolean, title: string (at most ${MAX_TITLE} characters) }.`);
      }
      state = { dirty: s.dirty, title: s.title.trim() || 'Untitled' };
      hooks.onChange?.(state);
      if (closeAfterSave && !state.dirty) closeNow();
      return ok(null);
    },
    mayClose() {
      return confirmed || !state.dirty;
    },
    answer(choice) {
      if (choice === 'save') {
        closeAfterSave = true;
        hooks.requestSave();
      } else if (choice === 'discard') {
        closeNow();
      }
    },
    saveFinished(saved) {
      if (!closeAfterSave) return;
      if (saved) closeNow();
      else closeAfterSave = false;
    },
  };
}
