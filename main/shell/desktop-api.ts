/**
 * The Api the desktop window gets: the same createNodeApi as browser mode, plus the desktop
 * calls — the two file calls on native dialogs, setDocumentState for the close prompt, and the
 * export into a folder the user picks (export-folder.ts). Kept apart from index.ts so the IPC
 * test runs exactly this composition. (onMenuCommand is the preload's: menu commands are sent to
 * the window, not answered.)
 */

import type { Api, DesktopApi } from '../../shared/api';
import type { FileDialogs } from './dialogs';
import type { DocumentTracker } from './document-state';

export function createDesktopApi({ base, dialogs, document, exportToFolder }: { base: Api; dialogs: FileDialogs; document: DocumentTracker; exportToFolder: DesktopApi['exportToFolder'] }): Omit<DesktopApi, 'onMenuCommand'> {
  return {
    ...base,
    exportToFolder,
    openGraphFile: () => dialogs.openGraphFile(),
    async saveGraphFile(args) {
      const r = await dialogs.saveGraphFile(args);
      document.saveFinished(r.ok && r.value !== null);
      return r;
    },
    setDocumentState: (state) => document.setState(state),
  };
}
