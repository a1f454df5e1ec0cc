/**
 * File → Export in the desktop app: the export is built first (so a bad request or an epoch the run
 * does not have is reported at once), then the user picks a folder, and the files go into a new
 * folder inside it named for the network and format ("LeNet-pytorch", "LeNet-pytorch-2" when
 * that is taken), so nothing already there is overwritten. A graph file goes into the folder itself.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fail, ok, type DesktopApi } from '../../shared/api';

export interface FolderDialogDeps {
  showOpenDialog(opts: { title: string; buttonLabel: string; defaultPath: string; properties: string[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
  defaultDir: string;
  runsRoot: string;
  version: string;
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** `base` inside `dir`, or base-2, base-3, ... when taken. */
function freeName(dir: string, base: string): string {
  const ext = path.extname(base);
  const stem = ext === '.json' ? base.replace(/(\.convstudio)?\.json$/, '') : base;
  const tail = ext === '.json' ? base.slice(stem.length) : '';
  let name = base;
  for (let i = 2; existsSync(path.join(dir, name)); i++) name = `${stem}-${i}${tail}`;
  return path.join(dir, name);
}

export function createExportToFolder(deps: FolderDialogDeps): DesktopApi['exportToFolder'] {
  let lastDir = deps.defaultDir;
  return async (req) => {
    try {
      // The exporter loads tfjs: only when the user first exports.
      const { exportFromRequest, summaryOf } = await import('../export/request');
      const { writeExport } = await import('../export/export');
      const built = await exportFromRequest(req, deps.runsRoot, deps.version);
      if (!built.ok) return built;
      const r = await deps.showOpenDialog({ title: `Export ${built.value.name}: choose a folder`, buttonLabel: 'Export here', defaultPath: lastDir, properties: ['openDirectory', 'createDirectory'] });
      if (r.canceled || r.filePaths.length === 0) return ok(null);
      lastDir = r.filePaths[0];
      const single = built.value.files.length === 1 && built.value.files[0].name.endsWith('.json');
      const target = single ? lastDir : freeName(lastDir, built.value.folder);
      if (single) {
        const file = freeName(lastDir, built.value.files[0].name);
        built.value.files[0] = { ...built.value.files[0], name: path.basename(file) };
      }
      writeExport(built.value, target, single);
      return ok({ ...summaryOf(built.value), dir: target });
    } catch (e) {
      return fail('export-failed', `The export failed: ${errorMessage(e)}`);
    }
  };
}
