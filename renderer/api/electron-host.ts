/**
 * The desktop host: the page inside the Electron shell. Everything goes through the preload's
 * `window.convstudio` (a DesktopApi): files through the shell's native dialogs, and the unsaved-
 * changes guard is the shell's own close prompt, fed with the document state. The page adds no
 * beforeunload: Electron would take a handled one as "cancel the close" without asking.
 */

import type { DesktopApi } from '../../shared/api';
import type { Host } from './host';

function bridgedApi(): DesktopApi | null {
  const bridged = (window as unknown as { convstudio?: DesktopApi }).convstudio;
  return bridged && typeof bridged.info === 'function' ? bridged : null;
}

/** The desktop host, when the page runs inside the Electron shell; otherwise null. */
export function electronHost(): Host | null {
  const api = bridgedApi();
  if (!api) return null;
  return {
    api,
    openGraphFile: () => api.openGraphFile(),
    saveGraphFile: ({ graph, current, saveAs, suggestedName }) => api.saveGraphFile({ path: saveAs ? null : current?.path ?? null, suggestedName, graph }),
    async exportModel(req) {
      const r = await api.exportToFolder(req);
      return r.ok && r.value ? { ok: true, value: { ...r.value, where: r.value.dir } } : r.ok ? { ok: true, value: null } : r;
    },
    confirm: (question) => window.confirm(question),
    guardUnsavedChanges: (watch) => watch((state) => void api.setDocumentState(state)),
    onMenuCommand: (listener) => api.onMenuCommand(listener),
  };
}
