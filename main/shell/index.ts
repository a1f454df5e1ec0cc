/**
 * The Electron shell: one window, the Api over IPC, training in utility processes. Deliberately
 * thin — every decision worth testing lives in a pure module beside it (window-options,
 * window-state, app-origin, csp, sender-check, ipc, menu, dialogs, utility-spawn), and everything
 * beneath the Api is the same code browser mode runs. Bundled to out/main/index.cjs.
 */

import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell, utilityProcess } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { MenuCommand } from '../../shared/api';
import { APP_ENTRY_URL, APP_ORIGIN, APP_SCHEME, isAllowedRequest, isSameOrigin, resolveAppAsset } from './app-origin';
import { contentSecurityPolicy } from './csp';
import { createDesktopApi } from './desktop-api';
import { createFileDialogs, readGraphFile } from './dialogs';
import { createDocumentTracker } from './document-state';
import { createExportToFolder } from './export-folder';
import { createJobManager } from '../engine/jobs';
import { createEngineService } from '../engine/service/client';
import { createEstimator, enginesPerBackend } from '../engine/estimate/estimator';
import type { BackendChoice } from '../../shared/training/settings';
import { createNodeApi } from '../api/node-api';
import { MENU_COMMAND_CHANNEL } from './ipc-channels';
import { registerIpc, type IpcMainLike } from './ipc';
import { buildMenuTemplate } from './menu';
import { graphFilesInArgv } from './open-files';
import { addRecent, loadRecent, removeRecent, saveRecent } from './recent-files';
import { createSenderCheck } from './sender-check';
import { createUtilitySpawn } from './utility-spawn';
import { buildWindowOptions } from './window-options';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, saveWindowState, type WindowState } from './window-state';

// Must happen before `ready`: a standard, secure scheme gives the page a real origin for 'self'.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);

// Unpackaged runs (tests, development) may keep their settings and runs apart from the user's.
if (!app.isPackaged && process.env.CONVSTUDIO_USER_DATA) app.setPath('userData', path.resolve(process.env.CONVSTUDIO_USER_DATA));

const devServer = !app.isPackaged && process.env.CONVSTUDIO_DEV_URL ? new URL(process.env.CONVSTUDIO_DEV_URL).origin : null;
const origin = devServer ?? APP_ORIGIN;
const csp = contentSecurityPolicy(devServer);
const rendererDir = path.join(__dirname, '..', 'renderer');

let win: BrowserWindow | null = null;
/** Menu commands and OS-opened files wait here until the page has loaded. */
let pageReady = false;
const pending: MenuCommand[] = [];
/** Files the OS asked us to open before the window existed (macOS open-file, argv). */
const startupFiles: string[] = graphFilesInArgv(process.argv, process.cwd());
let recent: string[] = [];
const docTracker = createDocumentTracker({
  onChange(state) {
    if (win && !win.isDestroyed()) {
      win.setTitle(`${state.dirty ? '• ' : ''}${state.title} — ConvStudio`);
      win.setDocumentEdited(state.dirty);
    }
  },
  requestSave: () => sendToPage({ command: 'save', thenClose: true }),
  close: () => win?.close(),
});

function sendToPage(c: MenuCommand): void {
  if (win && !win.isDestroyed() && pageReady) win.webContents.send(MENU_COMMAND_CHANNEL, c);
  else pending.push(c);
}

const userFile = (name: string) => path.join(app.getPath('userData'), name);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_e, argv, cwd) => {
    for (const file of graphFilesInArgv(argv, cwd)) void openFromOs(file);
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('open-file', (e, file) => {
    e.preventDefault();
    if (app.isReady()) void openFromOs(file);
    else startupFiles.push(file);
  });
  app.on('web-contents-created', (_e, contents) => {
    // No navigation away from the app, no popups, no <webview>: the page is the whole app.
    contents.on('will-navigate', (ev, url) => {
      if (!isSameOrigin(url, origin)) ev.preventDefault();
    });
    contents.on('will-redirect', (ev, url) => {
      if (!isSameOrigin(url, origin)) ev.preventDefault();
    });
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.on('window-all-closed', () => app.quit());
  app.whenReady().then(start, (err: unknown) => {
    dialog.showErrorBox('ConvStudio could not start', err instanceof Error ? err.stack ?? err.message : String(err));
    app.exit(1);
  });
}

async function start(): Promise<void> {
  hardenSession();
  serveRenderer();
  recent = await loadRecent(userFile('recent.json'));

  const runsRoot = path.join(app.getPath('userData'), 'runs');
  const spawn = createUtilitySpawn({ utilityProcess, entry: path.join(__dirname, 'train-process.cjs') });
  const jobs = createJobManager({ runsRoot, spawn });
  app.on('will-quit', () => jobs.dispose());
  // The Kernel lab computes in a warm utility process of its own, started on its first request.
  const engine = createEngineService({
    spawn: createUtilitySpawn({ utilityProcess, entry: path.join(__dirname, 'engine-service.cjs'), serviceName: 'ConvStudio engine' }),
  });
  app.on('will-quit', () => engine.dispose());
  // Another backend's step measurements run in an engine process started on that backend.
  const engines = enginesPerBackend(engine, (backend) => createEngineService({
    backend: backend as BackendChoice,
    spawn: createUtilitySpawn({ utilityProcess, entry: path.join(__dirname, 'engine-service.cjs'), serviceName: `ConvStudio engine (${backend})` }),
  }));
  app.on('will-quit', () => engines.dispose());
  const estimator = createEstimator({ file: userFile('estimates.json'), engineFor: engines.engineFor });

  const dialogs = createFileDialogs({
    defaultDir: app.getPath('documents'),
    showOpenDialog: (o) => (win ? dialog.showOpenDialog(win, o as Electron.OpenDialogOptions) : dialog.showOpenDialog(o as Electron.OpenDialogOptions)),
    showSaveDialog: (o) => (win ? dialog.showSaveDialog(win, o) : dialog.showSaveDialog(o)),
    onFileUsed: (file) => rememberRecent(file),
  });
  const base = createNodeApi({
    runsRoot,
    // The autosave beside recent.json and the window state.
    dataDir: app.getPath('userData'),
    jobs,
    host: 'electron',
    version: app.getVersion(),
    // Loaded on first use: probing backends loads tfjs, which start-up need not wait for.
    listBackends: async () => (await import('../engine/backends/index')).listBackends(),
    engine,
    estimator,
    // No probe processes: Dawn cannot run in Electron, and libtensorflow loads only for a run.
    doctor: async () => (await import('../engine/backends/doctor/index')).runDoctor({ probes: false }),
  });
  const exportToFolder = createExportToFolder({
    runsRoot,
    version: app.getVersion(),
    defaultDir: app.getPath('documents'),
    showOpenDialog: (o) => (win ? dialog.showOpenDialog(win, o as Electron.OpenDialogOptions) : dialog.showOpenDialog(o as Electron.OpenDialogOptions)),
  });
  const api = createDesktopApi({ base, dialogs, document: docTracker, exportToFolder });

  openFromOs = async (file: string) => {
    const opened = await readGraphFile(file);
    if (!opened.ok) {
      dialog.showErrorBox('Could not open file', opened.error.message);
      return;
    }
    dialogs.grant(file);
    rememberRecent(file);
    sendToPage({ command: 'open-file', file: opened.value });
  };

  // Handlers first: the page calls the Api as soon as it loads.
  const check = createSenderCheck({ origin, mainFrame: () => (win && !win.isDestroyed() ? win.webContents.mainFrame : null) });
  registerIpc({
    ipcMain: ipcMain as unknown as IpcMainLike,
    api,
    isTrustedSender: check,
    send: (channel, payload) => {
      if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
    },
  });
  await createWindow();
  buildMenu();
  for (const file of startupFiles.splice(0)) void openFromOs(file);

  // A training process that dies is reported by the job manager as the run's error event; this
  // only leaves a trace in the log for a crash report.
  app.on('child-process-gone', (_e, details) => {
    if (details.type === 'Utility' && details.reason !== 'clean-exit') console.error(`ConvStudio: ${details.name ?? 'utility'} process gone (${details.reason}, exit code ${details.exitCode}).`);
  });
}

let openFromOs: (file: string) => Promise<void> = async (file) => {
  startupFiles.push(file);
};

function hardenSession(): void {
  const ses = session.defaultSession;
  // Nothing but writing to the clipboard (copying a summary or a graph) is ever granted.
  ses.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === 'clipboard-sanitized-write'));
  ses.setPermissionCheckHandler((_wc, permission) => permission === 'clipboard-sanitized-write');
  ses.webRequest.onBeforeRequest((details, cb) => cb({ cancel: !isAllowedRequest(details.url, origin) }));
  ses.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}

function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const asset = resolveAppAsset(request.url, rendererDir);
    if (!asset) return new Response('Not found', { status: 404 });
    try {
      const body = await fs.readFile(asset.file);
      return new Response(body, { headers: { 'content-type': asset.mime, 'content-security-policy': csp, 'x-content-type-options': 'nosniff' } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

async function createWindow(): Promise<void> {
  const stateFile = userFile('window-state.json');
  const saved = (await loadWindowState(stateFile)) ?? DEFAULT_WINDOW_STATE;
  const state = fitToDisplays(saved, screen.getAllDisplays().map((d) => d.workArea));
  const w = new BrowserWindow(buildWindowOptions({ preloadPath: path.join(__dirname, 'preload.cjs'), state, devTools: !app.isPackaged }));
  win = w;
  if (state.maximized) w.maximize();

  const capture = (): WindowState => {
    const b = w.getNormalBounds();
    return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: w.isMaximized() };
  };
  let timer: NodeJS.Timeout | null = null;
  const persistSoon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void saveWindowState(stateFile, capture()).catch(() => {}), 500);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) w.on(ev as 'resize', persistSoon);

  w.on('close', (e) => {
    if (timer) clearTimeout(timer);
    void saveWindowState(stateFile, capture()).catch(() => {});
    if (docTracker.mayClose()) return;
    e.preventDefault();
    const choice = dialog.showMessageBoxSync(w, {
      type: 'warning',
      buttons: ['Save', "Don't Save", 'Cancel'],
      defaultId: 0,
      cancelId: 2,
      noLink: true,
      message: `Do you want to save the changes to ${docTracker.state.title}?`,
      detail: "Your changes will be lost if you don't save them.",
    });
    docTracker.answer(choice === 0 ? 'save' : choice === 1 ? 'discard' : 'cancel');
  });
  // The desktop host adds no beforeunload (the prompt above is its guard); should anything in the
  // page still hold an unload back, Electron would cancel the close silently. Once the prompt has
  // settled the close (clean, saved or "Don't Save"), the close wins.
  w.webContents.on('will-prevent-unload', (e) => {
    if (docTracker.mayClose()) e.preventDefault();
  });
  w.on('closed', () => {
    win = null;
    pageReady = false;
  });
  w.once('ready-to-show', () => w.show());
  w.webContents.on('did-start-loading', () => {
    pageReady = false;
  });
  w.webContents.on('did-finish-load', () => {
    pageReady = true;
    for (const c of pending.splice(0)) w.webContents.send(MENU_COMMAND_CHANNEL, c);
  });
  w.webContents.on('render-process-gone', (_e, details) => {
    if (details.reason === 'clean-exit') return;
    console.error(`ConvStudio: page process gone (${details.reason}); reloading.`);
    w.webContents.reload();
  });
  await w.loadURL(devServer ? process.env.CONVSTUDIO_DEV_URL! : APP_ENTRY_URL);
}

function rememberRecent(file: string): void {
  recent = addRecent(recent, file);
  app.addRecentDocument(file);
  void saveRecent(userFile('recent.json'), recent).catch(() => {});
  buildMenu();
}

function buildMenu(): void {
  const template = buildMenuTemplate(
    { platform: process.platform, appName: app.getName(), recent, dev: !app.isPackaged },
    {
      command: sendToPage,
      openRecent: (file) => {
        void fs.access(file).then(
          () => openFromOs(file),
          () => {
            recent = removeRecent(recent, file);
            void saveRecent(userFile('recent.json'), recent).catch(() => {});
            buildMenu();
            dialog.showErrorBox('File not found', `${file} no longer exists; it was removed from Open Recent.`);
          },
        );
      },
      clearRecent: () => {
        recent = [];
        app.clearRecentDocuments();
        void saveRecent(userFile('recent.json'), recent).catch(() => {});
        buildMenu();
      },
      openRunsFolder: () => {
        const dir = path.join(app.getPath('userData'), 'runs');
        void fs.mkdir(dir, { recursive: true }).then(() => shell.openPath(dir));
      },
      about: () => {
        void dialog.showMessageBox({
          type: 'info',
          title: `About ${app.getName()}`,
          message: `ConvStudio ${app.getVersion()}`,
          detail: `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
        });
      },
      quit: () => app.quit(),
    },
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
