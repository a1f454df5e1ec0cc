/**
 * The Api the desktop window gets: the same createNodeApi as browser mode, with the two file
 * calls on native dialogs and the desktop-only setDocumentState. Kept apart from index.ts so the
 * IPC test runs exactly this composition.
 */

import type { Api } from '../../shared/api';
import type { FileDialogs } from './dialogs';
import type { DocumentTracker } from './document-state';

export function createDesktopApi({ base, dialogs, document }: { base: Api; dialogs: FileDialogs; document: DocumentTracker }): Api {
  return {
    ...base,
    openGraphFile: () => dialogs.openGraphFile(),
    async saveGraphFile(args) {
      const r = await dialogs.saveGraphFile(args);
      document.saveFinished(r.ok && r.value !== null);
      return r;
    },
    setDocumentState: (state) => document.setState(state),
  };
}
