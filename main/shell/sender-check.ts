/**
 * Who may call the Api over IPC: only the main frame of our one window, showing a page from our
 * own origin. A navigated-away frame, a subframe or another webContents is refused (VS Code's
 * validation of every IPC sender).
 */

import { isSameOrigin } from './app-origin';

/** The parts of an IpcMainInvokeEvent the check reads. */
export interface SenderLike {
  senderFrame: FrameLike | null;
}

/** The parts of a WebFrameMain the check reads. */
export interface FrameLike {
  url: string;
  processId?: number;
  routingId?: number;
}

export interface SenderCheckOptions {
  /** APP_ORIGIN, or the dev server's origin in unpackaged dev runs. */
  origin: string;
  /** The window's current main frame (null before the window exists). */
  mainFrame(): FrameLike | null;
}

export function createSenderCheck({ origin, mainFrame }: SenderCheckOptions): (event: SenderLike) => boolean {
  return (event) => {
    const frame = event?.senderFrame;
    if (!frame) return false;
    const main = mainFrame();
    if (!main || !sameFrame(frame, main)) return false;
    return typeof frame.url === 'string' && isSameOrigin(frame.url, origin);
  };
}

/** Same frame: the same wrapper, or the same renderer process and routing id (Electron may hand out a new wrapper per event). */
function sameFrame(a: FrameLike, b: FrameLike): boolean {
  if (a === b) return true;
  return typeof a.processId === 'number' && typeof a.routingId === 'number' && a.processId === b.processId && a.routingId === b.routingId;
}
