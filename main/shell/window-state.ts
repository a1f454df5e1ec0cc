/**
 * Remembered window size and position. Pure logic (parse, fit to the current displays) plus a
 * thin load/save on top of json-file.ts, so it is tested without Electron.
 */

import { readJsonFile, writeJsonFile } from '../common/json-file';

export interface WindowState {
  /** Absent when the OS should place the window (first start, or the display it was on is gone). */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

/** A display's work area (screen minus task bars), as Electron's `Display.workArea`. */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1400, height: 900, maximized: false };
export const MIN_WINDOW_SIZE = { width: 900, height: 600 } as const;

/** How much of the window's top strip (its title bar) must be on a display to count as reachable. */
const GRAB_STRIP = { width: 120, height: 40 };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** A WindowState from untrusted file contents, or null when it is not one. */
export function parseWindowState(value: unknown): WindowState | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (!isInt(v.width) || !isInt(v.height) || v.width <= 0 || v.height <= 0) return null;
  const state: WindowState = { width: v.width, height: v.height, maximized: v.maximized === true };
  if (isInt(v.x) && isInt(v.y)) {
    state.x = v.x;
    state.y = v.y;
  }
  return state;
}

function overlap(a: Area, b: Area): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Make a remembered state usable on today's displays: a window whose title bar is on no display
 * (monitor unplugged, resolution changed) loses its position and is re-centred by the OS; a
 * window larger than the display it lands on is shrunk to fit; nothing goes below the minimum.
 */
export function fitToDisplays(state: WindowState, displays: readonly Area[]): WindowState {
  if (displays.length === 0) return { ...state };
  let width = Math.max(MIN_WINDOW_SIZE.width, state.width);
  let height = Math.max(MIN_WINDOW_SIZE.height, state.height);
  let target: Area | undefined;
  if (state.x !== undefined && state.y !== undefined) {
    const strip: Area = { x: state.x, y: state.y, width: Math.min(width, GRAB_STRIP.width), height: GRAB_STRIP.height };
    const full: Area = { x: state.x, y: state.y, width, height };
    let best = 0;
    for (const d of displays) {
      if (overlap(strip, d) >= strip.width * strip.height * 0.5) {
        const o = overlap(full, d);
        if (o > best || !target) {
          best = o;
          target = d;
        }
      }
    }
  }
  const area = target ?? displays[0];
  width = Math.max(MIN_WINDOW_SIZE.width, Math.min(width, area.width));
  height = Math.max(MIN_WINDOW_SIZE.height, Math.min(height, area.height));
  if (!target) return { width, height, maximized: state.maximized };
  return { x: state.x, y: state.y, width, height, maximized: state.maximized };
}

export async function loadWindowState(file: string): Promise<WindowState | null> {
  return parseWindowState(await readJsonFile(file));
}

export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await writeJsonFile(file, state);
}
