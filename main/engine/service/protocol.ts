/**
 * The engine service's messages: the parent (browser mode's server, the Electron main process)
 * asks a warm engine process to run a named operation and gets one reply per request, matched by
 * id. Errors are values (shared/api's Result), as everywhere else in ConvStudio.
 *
 * Parent → service: { type: 'request', id, op, args }.
 * Service → parent: { type: 'ready', backend } once tfjs is up (or { type: 'failed', message }),
 * then { type: 'reply', id, result } per request, in the order the requests arrived.
 */

import type { Result } from '../../../shared/api';

export interface ServiceRequest {
  type: 'request';
  id: number;
  op: string;
  args: unknown;
}

export interface BackendReport {
  name: string;
  device: string;
  note?: string;
}

export type ServiceMessage =
  | { type: 'ready'; backend: BackendReport }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; result: Result<unknown> };

/**
 * Bounds on what crosses the process channel. A lab request is a few grids of at most 64×64
 * numbers (~100 kB as JSON); replies are larger only by the per-channel terms. Anything far beyond
 * is a bug or an attack, and refusing it keeps either process from buffering without end.
 */
export const SERVICE_LIMITS = {
  requestBytes: 1024 * 1024,
  replyBytes: 4 * 1024 * 1024,
  /** Requests waiting at once; more means the page is flooding the service. */
  pending: 32,
  /** Per request, from the moment it is sent. */
  timeoutMs: 30_000,
  /**
   * Added for a request sent while the process is still loading tfjs: on a busy machine that
   * alone can take most of timeoutMs, and the first answer should not be a restart.
   */
  startupMs: 90_000,
} as const;
