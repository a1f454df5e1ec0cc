/**
 * The native menu as a pure template function. Document and canvas actions are sent to the page
 * as MenuCommands (the page owns the document and its undo stack); clipboard, zoom and window
 * items use Electron's roles. Undo/Redo/Delete/Select All show their shortcuts but do not
 * register them (`registerAccelerator: false`, Windows/Linux), so the keys keep working inside
 * text fields and the page handles them exactly as in browser mode.
 */

import type { MenuItemConstructorOptions } from 'electron';
import path from 'node:path';
import type { MenuCommand } from '../../shared/api';

export interface MenuContext {
  platform: NodeJS.Platform;
  appName: string;
  /** Open Recent, most recent first. */
  recent: readonly string[];
  /** Unpackaged run: adds Reload and DevTools. */
  dev: boolean;
}

export interface MenuActions {
  command(c: MenuCommand): void;
  openRecent(file: string): void;
  clearRecent(): void;
  openRunsFolder(): void;
  about(): void;
  quit(): void;
}

const pageOnly = { registerAccelerator: false } as const;

export function buildMenuTemplate(ctx: MenuContext, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = ctx.platform === 'darwin';
  const send = (c: MenuCommand) => () => actions.command(c);

  const recentItems: MenuItemConstructorOptions[] = ctx.recent.length
    ? [
        ...ctx.recent.map((file): MenuItemConstructorOptions => ({ label: `${path.basename(file)} — ${path.dirname(file)}`, click: () => actions.openRecent(file) })),
        { type: 'separator' },
        { label: 'Clear Recently Opened', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No Recent Files', enabled: false }];

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: '&New', accelerator: 'CmdOrCtrl+N', click: send({ command: 'new' }) },
      { label: '&Open…', accelerator: 'CmdOrCtrl+O', click: send({ command: 'open' }) },
      { label: 'Open &Recent', submenu: recentItems },
      { type: 'separator' },
      { label: '&Save', accelerator: 'CmdOrCtrl+S', click: send({ command: 'save' }) },
      { label: 'Save &As…', accelerator: 'CmdOrCtrl+Shift+S', click: send({ command: 'save-as' }) },
      { label: '&Export…', accelerator: 'CmdOrCtrl+E', click: send({ command: 'export' }) },
      { type: 'separator' },
      { label: 'Show Training Runs Folder', click: () => actions.openRunsFolder() },
      ...(mac ? [] : [{ type: 'separator' } as const, { label: 'E&xit', accelerator: 'Ctrl+Q', click: () => actions.quit() }]),
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      { label: '&Undo', accelerator: 'CmdOrCtrl+Z', ...pageOnly, click: send({ command: 'undo' }) },
      { label: '&Redo', accelerator: mac ? 'Cmd+Shift+Z' : 'Ctrl+Y', ...pageOnly, click: send({ command: 'redo' }) },
      { type: 'separator' },
      { role: 'cut', label: 'Cu&t' },
      { role: 'copy', label: '&Copy' },
      { role: 'paste', label: '&Paste' },
      { label: '&Delete', accelerator: 'Delete', ...pageOnly, click: send({ command: 'delete' }) },
      { type: 'separator' },
      { label: 'Select &All', accelerator: 'CmdOrCtrl+A', ...pageOnly, click: send({ command: 'select-all' }) },
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { label: '&Fit Graph to Window', accelerator: 'CmdOrCtrl+Shift+F', click: send({ command: 'fit-view' }) },
      { type: 'separator' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { role: 'resetZoom' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(ctx.dev ? [{ type: 'separator' } as const, { role: 'reload' } as const, { role: 'toggleDevTools' } as const] : []),
    ],
  };

  const train: MenuItemConstructorOptions = {
    label: '&Train',
    submenu: [
      { label: '&Start Training', accelerator: 'CmdOrCtrl+Enter', click: send({ command: 'train-start' }) },
      { label: 'S&top Training', accelerator: 'CmdOrCtrl+.', click: send({ command: 'train-stop' }) },
    ],
  };

  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: '&Help',
    submenu: [
      { label: '&Keyboard Shortcuts', click: send({ command: 'shortcuts' }) },
      { label: 'Show Training Runs Folder', click: () => actions.openRunsFolder() },
      ...(mac ? [] : [{ type: 'separator' } as const, { label: `&About ${ctx.appName}`, click: () => actions.about() }]),
    ],
  };

  const appMenu: MenuItemConstructorOptions[] = mac ? [{ role: 'appMenu', label: ctx.appName }] : [];
  const windowMenu: MenuItemConstructorOptions[] = mac ? [{ role: 'windowMenu' }] : [];
  return [...appMenu, file, edit, view, train, ...windowMenu, help];
}
