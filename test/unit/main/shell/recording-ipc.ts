/** A stand-in for Electron's ipcMain (the Electron binary cannot run here): records handlers and lets a test invoke a channel. */

import type { Result } from '../../../../shared/api';
import { callChannel } from '../../../../main/shell/ipc-channels';
import type { IpcHandler } from '../../../../main/shell/ipc';
import type { SenderLike } from '../../../../main/shell/sender-check';

export class RecordingIpcMain {
  handlers = new Map<string, IpcHandler>();
  handle(channel: string, handler: IpcHandler) {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  invoke(event: SenderLike, call: string, ...args: unknown[]): Promise<Result<unknown>> {
    const h = this.handlers.get(callChannel(call));
    if (!h) throw new Error(`No handler registered for '${callChannel(call)}'`);
    return h(event, ...args);
  }
}
