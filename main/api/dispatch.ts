/**
 * The one way a call from the page reaches the Api, whatever carried it: Electron IPC
 * (main/shell/ipc.ts) or browser mode's WebSocket and HTTP (main/server/server.ts). A transport
 * only authenticates the sender and unwraps its envelope; everything about the call itself — its
 * name, its number of arguments, that they are plain data, that this host implements it — is
 * checked here, and whatever the method throws becomes an error value. So a malformed call gets
 * the same answer over every transport. The Api behind validates the contents.
 */

import { API_CALLS, DESKTOP_CALLS, fail, type Api, type ApiCall, type DesktopApi, type DesktopCall, type Result } from '../../shared/api';

export type CallName = ApiCall | DesktopCall;

/** Arguments each call takes: 0 = none, 1 = one plain object. Compile-time complete over the Api. */
export const CALL_ARITY = {
  info: 0,
  listBackends: 0,
  doctor: 0,
  startTraining: 1,
  stopTraining: 1,
  listRuns: 0,
  getRun: 1,
  labCorrelate: 1,
  labConv1x1: 1,
  labPool: 1,
  labLearn: 1,
  labFashionImage: 1,
  insightEpochs: 1,
  insightEvaluate: 1,
  insightImages: 1,
  insightActivations: 1,
  insightGradCam: 1,
  insightFilters: 1,
  insightHistograms: 1,
  exportModel: 1,
  exportEpochs: 1,
  createWorkerRun: 1,
  workerRun: 1,
  fashionSamples: 1,
  getRunGraph: 1,
  renameRun: 1,
  deleteRun: 1,
  resumeTraining: 1,
  saveAutosave: 1,
  loadAutosave: 0,
  discardAutosave: 0,
  estimateBasis: 0,
  measureTraining: 1,
  openGraphFile: 0,
  saveGraphFile: 1,
  setDocumentState: 1,
  exportToFolder: 1,
} as const satisfies Record<CallName, 0 | 1>;

/** Every call, in the contract's order: what a transport registers or accepts. */
export const CALL_NAMES: readonly CallName[] = [...API_CALLS, ...DESKTOP_CALLS];

/** Limits on a payload's structure; the graph validator has its own, finer limits on content. */
const MAX_DEPTH = 64;
const MAX_VALUES = 500_000;

/**
 * Why `value` is not plain JSON-like data (objects with Object/null prototype, arrays, strings,
 * finite numbers, booleans, null), or null when it is. Structured clone (IPC) lets a page send
 * Maps, Dates, typed arrays and cycles; JSON (the socket) can still nest without end. None of it
 * belongs in an Api payload.
 */
function plainDataProblem(value: unknown): string | null {
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

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** Why `args` cannot be passed to `call`, or null. */
function argsProblem(call: CallName, args: readonly unknown[]): string | null {
  const want = CALL_ARITY[call];
  if (args.length !== want) return `${call} takes ${want === 0 ? 'no arguments' : 'one object argument'}, got ${args.length}`;
  if (want === 0) return null;
  const [arg] = args;
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return `${call} takes one object argument, got ${kindOf(arg)}`;
  return plainDataProblem(arg);
}

const isCallName = (call: unknown): call is CallName => typeof call === 'string' && Object.hasOwn(CALL_ARITY, call);

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Runs one call by name with the argument list as the transport received it. Never throws:
 * unknown names, wrong arguments, calls this host lacks and failures all come back as values.
 */
export async function dispatch(api: Api | DesktopApi, call: unknown, args: unknown): Promise<Result<unknown>> {
  if (!isCallName(call)) return fail('bad-request', `Unknown call ${JSON.stringify(call)?.slice(0, 80) ?? String(call)}. Known: ${CALL_NAMES.join(', ')}.`);
  if (!Array.isArray(args)) return fail('bad-request', `Refused ${call}: the arguments must be a list, got ${kindOf(args)}.`);
  const problem = argsProblem(call, args);
  if (problem) return fail('bad-request', `Refused ${call}: ${problem}.`);
  const method = (api as unknown as Record<string, unknown>)[call];
  if (typeof method !== 'function') return fail('unsupported', `${call} is not available in this host.`);
  try {
    return await (method as (...a: unknown[]) => Promise<Result<unknown>>).apply(api, args);
  } catch (err) {
    // The Api promises values, not throws; if something slips through, the page still gets an answer.
    return fail('internal', `${call} failed: ${errorMessage(err)}`);
  }
}
