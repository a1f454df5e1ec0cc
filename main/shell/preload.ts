/**
 * The only bridge between the sandboxed page and the Node side: `window.convstudio`, exactly the
 * typed DesktopApi of shared/api.ts. Calls go through ipcRenderer.invoke on fixed channels; listeners are
 * wrapped so Electron's event object (which carries `sender`, an ipcRenderer) never reaches the
 * page. Bundled to CommonJS (scripts/build-main.mjs): sandboxed preloads cannot be ES modules.
 */

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_CALLS, DESKTOP_CALLS, fail, type DesktopApi, type MenuCommand, type Result } from '../../shared/api';
import type { TrainingEvent } from '../../shared/training';
import { MENU_COMMAND_CHANNEL, TRAINING_EVENT_CHANNEL, callChannel } from './ipc-channels';

function invoker(call: string) {
  const channel = callChannel(call);
  // Only the arguments given are forwarded, so main's arity check sees what the page passed.
  return (...args: unknown[]): Promise<Result<unknown>> =>
    ipcRenderer.invoke(channel, ...args).catch((err: unknown) => fail('ipc', `${call} could not reach the app: ${err instanceof Error ? err.message : String(err)}`));
}

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('Expected a listener function.');
  const wrapped = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const calls = Object.fromEntries([...API_CALLS, ...DESKTOP_CALLS].map((call) => [call, invoker(call)]));

const api = {
  ...calls,
  onTrainingEvent: (listener: (e: TrainingEvent) => void) => subscribe(TRAINING_EVENT_CHANNEL, listener),
  onMenuCommand: (listener: (c: MenuCommand) => void) => subscribe(MENU_COMMAND_CHANNEL, listener),
} as unknown as DesktopApi;

contextBridge.exposeInMainWorld('convstudio', api);
