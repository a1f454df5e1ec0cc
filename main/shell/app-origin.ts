/**
 * Where the page comes from. Packaged and built runs serve out/renderer through a privileged
 * custom scheme (Electron's security checklist: prefer a custom protocol to file://, which would
 * give every local file the same origin); `npm run dev`-style runs may point at Vite's server.
 */

import path from 'node:path';
import { mimeType } from '../common/mime';

export const APP_SCHEME = 'convstudio';
const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;


/** Scheme, host and port of a URL; `URL.origin` is "null" for non-special schemes like ours. */
function originKey(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** True when `url` is on `origin` (the app scheme or the dev server), nothing else. */
export function isSameOrigin(url: string, origin: string): boolean {
  const a = originKey(url);
  return a !== null && a === originKey(origin);
}

/**
 * The file under `rootDir` a request to the app scheme maps to, or null (wrong origin, a path
 * escaping the root, or an odd URL). "/" is index.html.
 */
export function resolveAppAsset(requestUrl: string, rootDir: string): { file: string; mime: string } | null {
  if (!isSameOrigin(requestUrl, APP_ORIGIN)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const rel = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const root = path.resolve(rootDir);
  const file = path.resolve(root, rel);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return { file, mime: mimeType(file) };
}

/**
 * Whether the window's session may load `url`: our origin (and the dev server with its HMR
 * socket), DevTools, and inline data/blob URLs. Everything else — any remote content — is
 * cancelled before it leaves the machine.
 */
export function isAllowedRequest(url: string, origin: string): boolean {
  if (/^(data|blob|devtools):/i.test(url)) return true;
  if (isSameOrigin(url, origin)) return true;
  return /^https?:/i.test(origin) && isSameOrigin(url.replace(/^ws/i, 'http'), origin);
}
