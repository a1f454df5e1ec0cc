/**
 * The Api over Electron IPC: one ipcMain.handle per call, events forwarded to the window. Thin by
 * design — this layer refuses senders other than the app's own window, then hands the call to
 * the dispatcher browser mode uses too (main/api/dispatch.ts: arity, plain data, method lookup,
 * errors as values); the Api implementation (main/api/node-api.ts plus the shell's dialogs)
 * validates contents. Electron parts are injected so a test can run it with a recording ipcMain
 * and the real Api.
 */

import { fail, type Api, type Result } from '../../shared/api';
import type { TrainingEvent } from '../../shared/training';
import { CALL_NAMES, dispatch } from '../api/dispatch';
import { TRAINING_EVENT_CHANNEL, callChannel } from './ipc-channels';
import type { SenderLike } from './sender-check';

export type IpcHandler = (event: SenderLike, ...args: unknown[]) => Promise<Result<unknown>>;

/** What registerIpc needs of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, handler: IpcHandler): void;
  removeHandler(channel: string): void;
}

export interface RegisterIpcOptions {
  ipcMain: IpcMainLike;
  /** The window's DesktopApi; a plain Api answers the desktop calls with 'unsupported'. */
  api: Api;
  isTrustedSender(event: SenderLike): boolean;
  /** Deliver an event to the window (webContents.send, when the window is alive). */
  send(channel: string, payload: unknown): void;
}

export interface IpcRegistration {
  /** Every channel handled, in registration order. */
  channels: string[];
  dispose(): void;
}

export function registerIpc({ ipcMain, api, isTrustedSender, send }: RegisterIpcOptions): IpcRegistration {
  const channels: string[] = [];
  for (const call of CALL_NAMES) {
    const channel = callChannel(call);
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event)) return fail('forbidden', `Refused ${call}: the request did not come from the ConvStudio window.`);
      return dispatch(api, call, args);
    });
    channels.push(channel);
  }
  const unsubscribe = api.onTrainingEvent((e: TrainingEvent) => send(TRAINING_EVENT_CHANNEL, e));
  return {
    channels,
    dispose() {
      unsubscribe();
      for (const channel of channels) ipcMain.removeHandler(channel);
    },
  };
}
