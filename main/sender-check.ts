/**
 * Who may call the Api over IPC: only the main frame of our one window, showing a page from our
 * own origin. A navigated-away frame, a subframe or another webContents is refused (VS Code's
 * validation of every IPC sender).
 */

import { isSameOrigin } from './app-origin';

/** The parts of an IpcMainInvokeEvent the check reads. */
export interface SenderLike {
  senderFrame: { url: string } | null;
}

export interface SenderCheckOptions {
  /** APP_ORIGIN, or the dev server's origin in unpackaged dev runs. */
  origin: string;
  /** The window's current main frame (null before the window exists). */
  mainFrame(): object | null;
}

export function createSenderCheck({ origin, mainFrame }: SenderCheckOptions): (event: SenderLike) => boolean {
  return (event) => {
    const frame = event?.senderFrame;
    if (!frame) return false;
    const main = mainFrame();
    if (!main || frame !== main) return false;
    return typeof frame.url === 'string' && isSameOrigin(frame.url, origin);
  };
}
