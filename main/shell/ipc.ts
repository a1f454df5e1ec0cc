/**
 * The Api over Electron IPC: one ipcMain.handle per call, events forwarded to the window. Thin by
 * design — the Api implementation (host-api.ts, plus the shell's dialogs) validates contents;
 * this layer refuses untrusted senders and payloads that are not plain data of the right arity,
 * and turns anything thrown into an error value. Electron parts are injected so a test can run
 * it with a recording ipcMain and the real Api.
 */

import { API_CALLS, SHELL_CALLS, fail, type Api, type ApiCall, type Result } from '../../shared/api';
import type { TrainingEvent } from '../../shared/training';
import { TRAINING_EVENT_CHANNEL, callChannel } from './ipc-channels';
import type { SenderLike } from './sender-check';

type ShellCall = (typeof SHELL_CALLS)[number];

/** Arguments each call takes: 0 = none, 1 = one plain object. Compile-time complete over the Api. */
export const CALL_ARITY = {
  info: 0,
  listBackends: 0,
  startTraining: 1,
  stopTraining: 1,
  listRuns: 0,
  getRun: 1,
  openGraphFile: 0,
  saveGraphFile: 1,
  setDocumentState: 1,
} as const satisfies Record<ApiCall | ShellCall, 0 | 1>;

export type IpcHandler = (event: SenderLike, ...args: unknown[]) => Promise<Result<unknown>>;

/** What registerIpc needs of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, handler: IpcHandler): void;
  removeHandler(channel: string): void;
}

export interface RegisterIpcOptions {
  ipcMain: IpcMainLike;
  api: Api;
  isTrustedSender(event: SenderLike): boolean;
  /** Deliver an event to the window (webContents.send, when the window is alive). */
  send(channel: string, payload: unknown): void;
}

/** Limits on a payload's structure; the graph validator has its own, finer limits on content. */
const MAX_DEPTH = 64;
const MAX_VALUES = 500_000;

/**
 * Why `value` is not plain JSON-like data (objects with Object/null prototype, arrays, strings,
 * finite numbers, booleans, null), or null when it is. Structured clone lets a page send Maps,
 * Dates, typed arrays and cycles; none of them belong in an Api payload.
 */
export function plainDataProblem(value: unknown): string | null {
  let count = 0;
  const seen = new Set<object>();
  const visit = (v: unknown, depth: number, where: string): string | null => {
    if (++count > MAX_VALUES) return `payload has more than ${MAX_VALUES} values`;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
    if (typeof v === 'number') return Number.isFinite(v) ? null : `${where} is not a finite number`;
    if (typeof v !== 'object') return `${where} is a ${typeof v}, not JSON data`;
    if (depth > MAX_DEPTH) return `payload is nested deeper than ${MAX_DEPTH} levels`;
    if (seen.has(v)) return `${where} is a repeated or circular reference`;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const p = visit(v[i], depth + 1, `${where}[${i}]`);
        if (p) return p;
      }
      return null;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return `${where} is a ${(v as object).constructor?.name ?? 'non-plain object'}, not a plain object`;
    for (const [k, child] of Object.entries(v)) {
      const p = visit(child, depth + 1, `${where}.${k}`);
      if (p) return p;
    }
    return null;
  };
  return visit(value, 0, 'payload');
}

/** Why `args` cannot be passed to `call`, or null. */
export function argsProblem(call: keyof typeof CALL_ARITY, args: unknown[]): string | null {
  const want = CALL_ARITY[call];
  if (args.length !== want) return `${call} takes ${want === 0 ? 'no arguments' : 'one object argument'}, got ${args.length}`;
  if (want === 0) return null;
  const [arg] = args;
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return `${call} takes one object argument, got ${arg === null ? 'null' : Array.isArray(arg) ? 'an array' : typeof arg}`;
  return plainDataProblem(arg);
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface IpcRegistration {
  /** Every channel handled, in registration order. */
  channels: string[];
  dispose(): void;
}

export function registerIpc({ ipcMain, api, isTrustedSender, send }: RegisterIpcOptions): IpcRegistration {
  const channels: string[] = [];
  const calls = [...API_CALLS, ...SHELL_CALLS] as const;
  for (const call of calls) {
    const channel = callChannel(call);
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event)) return fail('forbidden', `Refused ${call}: the request did not come from the ConvStudio window.`);
      const problem = argsProblem(call, args);
      if (problem) return fail('bad-request', `Refused ${call}: ${problem}.`);
      const method = (api as unknown as Record<string, ((...a: unknown[]) => Promise<Result<unknown>>) | undefined>)[call];
      if (typeof method !== 'function') return fail('unsupported', `${call} is not available in this host.`);
      try {
        return await method.apply(api, args);
      } catch (err) {
        // The Api promises values, not throws; if something slips through, the page still gets an answer.
        return fail('internal', `${call} failed: ${errorMessage(err)}`);
      }
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
