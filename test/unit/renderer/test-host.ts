/**
 * A third host for unit tests, like Netron's: the page's file and unload capabilities without a
 * browser or Electron — the user's answers to dialogs are scripted, files live in a Map, and the
 * Api is the real createNodeApi called in-process (no transport). What it records lets a test
 * see what the page asked of its host.
 */

import { fail, ok, type DocumentState, type MenuCommand, type OpenedFile } from '../../../shared/api';
import { createNodeApi } from '../../../main/api/node-api';
import type { GraphFile, Host, SaveRequest } from '../../../renderer/api/host';

export interface TestHost extends Host {
  /** Files "on disk", by path. */
  files: Map<string, string>;
  /** What the next open / save-as dialog answers: a path, null for Cancel, or an Error to fail with. */
  nextOpen: (string | null | Error)[];
  nextSaveAs: (string | null | Error)[];
  /** Answers to confirm(), in order; none left answers true. */
  confirmAnswers: boolean[];
  /** Every question, dialog and document state the page produced, in order. */
  log: string[];
  /** The latest document state the unload guard was told about (null: none yet). */
  guarded: DocumentState | null;
  guarding: boolean;
  /** Sends a menu command as the desktop shell would. */
  menu(c: MenuCommand): void;
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

export function createTestHost(runsRoot: string): TestHost {
  const menuListeners = new Set<(c: MenuCommand) => void>();
  const answer = <T>(queue: T[], what: string): T => {
    if (queue.length === 0) throw new Error(`The test did not script an answer for the ${what} dialog.`);
    return queue.shift()!;
  };
  const h: TestHost = {
    api: createNodeApi({ runsRoot }),
    files: new Map(),
    nextOpen: [],
    nextSaveAs: [],
    confirmAnswers: [],
    log: [],
    guarded: null,
    guarding: false,

    async openGraphFile() {
      h.log.push('open dialog');
      const picked = answer(h.nextOpen, 'open');
      if (picked instanceof Error) return fail('io-error', picked.message);
      if (picked === null) return ok(null);
      const text = h.files.get(picked);
      if (text === undefined) return fail('not-found', `${picked} does not exist.`);
      return ok<OpenedFile>({ name: base(picked), path: picked, text });
    },

    async saveGraphFile(req: SaveRequest) {
      let target = !req.saveAs ? req.current?.path ?? null : null;
      if (!target) {
        h.log.push(`save dialog (${req.suggestedName})`);
        const picked = answer(h.nextSaveAs, 'save');
        if (picked instanceof Error) return fail('io-error', picked.message);
        if (picked === null) return ok(null);
        target = picked;
      }
      h.files.set(target, `${JSON.stringify(req.graph, null, 2)}\n`);
      h.log.push(`wrote ${target}`);
      return ok<GraphFile>({ name: base(target), path: target });
    },

    // As in the browser: the Api's zip, "downloaded" into files under its folder's name.
    async exportModel(req) {
      const r = await h.api.exportModel(req);
      if (!r.ok) return r;
      const { zip, ...summary } = r.value;
      const where = `${summary.folder}.zip`;
      h.files.set(where, zip);
      h.log.push(`downloaded ${where}`);
      return ok({ ...summary, where });
    },

    confirm(question) {
      h.log.push(`confirm: ${question}`);
      return h.confirmAnswers.length ? h.confirmAnswers.shift()! : true;
    },

    guardUnsavedChanges(watch) {
      h.guarding = true;
      const stop = watch((state) => {
        h.guarded = state;
      });
      return () => {
        stop();
        h.guarding = false;
      };
    },

    onMenuCommand(listener) {
      menuListeners.add(listener);
      return () => menuListeners.delete(listener);
    },

    menu(c) {
      for (const l of menuListeners) l(c);
    },
  };
  return h;
}
