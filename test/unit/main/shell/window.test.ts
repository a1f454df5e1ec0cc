// The BrowserWindow's options (security flags, remembered bounds), the remembered-bounds logic
// on real files, and the page's origin, asset mapping, request filter and CSP.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWindowOptions } from '../../../../main/shell/window-options';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, parseWindowState, saveWindowState } from '../../../../main/shell/window-state';
import { APP_ORIGIN, isAllowedRequest, isSameOrigin, resolveAppAsset } from '../../../../main/shell/app-origin';
import { contentSecurityPolicy } from '../../../../main/shell/csp';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-window-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('buildWindowOptions', () => {
  const opts = buildWindowOptions({ preloadPath: '/app/out/main/preload.cjs', state: { x: 10, y: 20, width: 1200, height: 800, maximized: false }, devTools: false });

  it('isolates and sandboxes the page', () => {
    expect(opts.webPreferences).toMatchObject({
      preload: '/app/out/main/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
  });

  it('restores the remembered bounds, or lets the OS centre a window without a position', () => {
    expect(opts).toMatchObject({ x: 10, y: 20, width: 1200, height: 800, show: false });
    const fresh = buildWindowOptions({ preloadPath: 'p', state: DEFAULT_WINDOW_STATE, devTools: true });
    expect(fresh.x).toBeUndefined();
    expect(fresh.center).toBe(true);
    expect(fresh.webPreferences?.devTools).toBe(true);
    expect(fresh.minWidth).toBeGreaterThan(0);
  });
});

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1040 }];

  it.each([
    ['not an object', 'hello', null],
    ['missing size', { x: 1, y: 2 }, null],
    ['a negative width', { width: -5, height: 600 }, null],
    ['fractional numbers', { width: 800.5, height: 600 }, null],
    ['size only', { width: 1000, height: 700 }, { width: 1000, height: 700, maximized: false }],
    ['a full state', { x: -10, y: 30, width: 1000, height: 700, maximized: true }, { x: -10, y: 30, width: 1000, height: 700, maximized: true }],
    ['half a position', { x: 5, width: 1000, height: 700 }, { width: 1000, height: 700, maximized: false }],
  ])('parses %s', (_what, input, expected) => {
    expect(parseWindowState(input)).toEqual(expected);
  });

  it('keeps a window that is on a display', () => {
    expect(fitToDisplays({ x: 100, y: 50, width: 1200, height: 800, maximized: false }, screen)).toEqual({ x: 100, y: 50, width: 1200, height: 800, maximized: false });
  });

  it('drops the position of a window whose display is gone', () => {
    expect(fitToDisplays({ x: 2500, y: 100, width: 1200, height: 800, maximized: true }, screen)).toEqual({ width: 1200, height: 800, maximized: true });
  });

  it('finds the second display and shrinks to it', () => {
    const two = [...screen, { x: 1920, y: 0, width: 1280, height: 720 }];
    expect(fitToDisplays({ x: 2000, y: 10, width: 1800, height: 1000, maximized: false }, two)).toEqual({ x: 2000, y: 10, width: 1280, height: 720, maximized: false });
  });

  it('never goes below the minimum size', () => {
    const s = fitToDisplays({ width: 100, height: 100, maximized: false }, screen);
    expect(s.width).toBeGreaterThanOrEqual(900);
    expect(s.height).toBeGreaterThanOrEqual(600);
  });

  it('saves atomically and loads back; a corrupt file reads as none', async () => {
    const file = path.join(tmp, 'nested', 'window-state.json');
    expect(await loadWindowState(file)).toBeNull();
    const state = { x: 3, y: 4, width: 1111, height: 777, maximized: false };
    await saveWindowState(file, state);
    expect(await loadWindowState(file)).toEqual(state);
    expect(readdirSync(path.dirname(file))).toEqual(['window-state.json']);
    writeFileSync(file, '{"width": 12');
    expect(await loadWindowState(file)).toBeNull();
  });
});

describe('page origin and assets', () => {
  const root = path.join(tmp, 'renderer');

  it('maps app URLs into the renderer folder only', () => {
    expect(resolveAppAsset(`${APP_ORIGIN}/`, root)).toEqual({ file: path.join(root, 'index.html'), mime: 'text/html; charset=utf-8' });
    expect(resolveAppAsset(`${APP_ORIGIN}/assets/index-abc.js?x=1`, root)).toEqual({ file: path.join(root, 'assets/index-abc.js'), mime: 'text/javascript; charset=utf-8' });
    // The URL parser already folds encoded dot segments, so this stays inside the root.
    expect(resolveAppAsset(`${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`, root)?.file).toBe(path.join(root, 'etc/passwd'));
    expect(resolveAppAsset(`${APP_ORIGIN}/..%2f..%2fsecret`, root)).toBeNull();
    expect(resolveAppAsset(`${APP_ORIGIN}/a%00b`, root)).toBeNull();
    expect(resolveAppAsset('convstudio://other/index.html', root)).toBeNull();
    expect(resolveAppAsset('file:///etc/passwd', root)).toBeNull();
  });

  it('compares origins by scheme, host and port', () => {
    expect(isSameOrigin('convstudio://app/x/y.html', APP_ORIGIN)).toBe(true);
    expect(isSameOrigin('convstudio://app.evil/x', APP_ORIGIN)).toBe(false);
    expect(isSameOrigin('http://localhost:5173/src/main.tsx', 'http://localhost:5173')).toBe(true);
    expect(isSameOrigin('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isSameOrigin('not a url', APP_ORIGIN)).toBe(false);
  });

  it('lets no remote content load', () => {
    expect(isAllowedRequest('convstudio://app/assets/a.css', APP_ORIGIN)).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA', APP_ORIGIN)).toBe(true);
    expect(isAllowedRequest('devtools://devtools/bundled/inspector.html', APP_ORIGIN)).toBe(true);
    expect(isAllowedRequest('https://fonts.googleapis.com/css', APP_ORIGIN)).toBe(false);
    expect(isAllowedRequest('http://127.0.0.1:8080/', APP_ORIGIN)).toBe(false);
    expect(isAllowedRequest('file:///etc/passwd', APP_ORIGIN)).toBe(false);
    expect(isAllowedRequest('ws://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequest('ws://localhost:9999/', 'http://localhost:5173')).toBe(false);
  });

  it('has a strict CSP: self only, no eval, no inline scripts outside the dev server', () => {
    const csp = contentSecurityPolicy();
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/https?:/);
    const dev = contentSecurityPolicy('http://localhost:5173');
    expect(dev).toContain('connect-src \'self\' http://localhost:5173 ws://localhost:5173');
    expect(dev).not.toContain('unsafe-eval');
  });
});
