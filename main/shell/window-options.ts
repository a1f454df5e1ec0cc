/**
 * The one BrowserWindow's options, built by a pure function so the security-relevant flags are
 * asserted by a test instead of living inside app start-up code.
 */

import type { BrowserWindowConstructorOptions } from 'electron';
import { MIN_WINDOW_SIZE, type WindowState } from './window-state';

export interface WindowOptionsInput {
  preloadPath: string;
  /** Remembered bounds, already fitted to the current displays. */
  state: WindowState;
  /** Allow DevTools (unpackaged runs only). */
  devTools: boolean;
}

export function buildWindowOptions({ preloadPath, state, devTools }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'ConvStudio',
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : { center: true }),
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    // Shown on ready-to-show, so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#1e1f22',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools,
    },
  };
}
