/**
 * The parent's side of the engine service: starts the service process on first use and keeps it
 * warm, sends each request with an id, and turns every way a request can go wrong into an error
 * value — a request too large to send, too many waiting, no answer in time (the process is then
 * killed, since a busy tfjs cannot be interrupted), an answer too large, or the process dying.
 * After a crash or a kill the next request starts a fresh process. The spawn function is the
 * training process's (main/engine/jobs.ts): child_process.fork in plain Node, Electron's
 * utilityProcess in the app (main/shell/utility-spawn.ts).
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fail, type Result } from '../../../shared/api';
import type { BackendChoice } from '../../../shared/training';
import { moduleDir } from '../../common/module-dir';
import { forkSpawn, type ChildLike, type SpawnFn } from '../jobs';
import { SERVICE_LIMITS, type BackendReport, type ServiceMessage } from './protocol';

export interface EngineServiceOptions {
  spawn?: SpawnFn;
  /** The module to fork; defaults to the service process next to this file (source or bundle). */
  entry?: string;
  /** The tfjs backend, chosen as for training ("auto": the fastest that starts here). */
  backend?: BackendChoice;
  limits?: Partial<Record<keyof typeof SERVICE_LIMITS, number>>;
}

export interface CallOptions {
  /** Overrides the default timeout for a request known to take longer (many SGD steps). */
  timeoutMs?: number;
}

export interface EngineService {
  call(op: string, args: unknown, opts?: CallOptions): Promise<Result<unknown>>;
  /** The backend the current process reported, null before it has. */
  backend(): BackendReport | null;
  /** How many service processes have been started (a restart after a crash is one more). */
  starts(): number;
  dispose(): void;
}

/** The service process to fork: the .ts source when running from sources, else the bundle beside us. */
export function serviceEntryPath(): string {
  const dir = moduleDir(import.meta.url);
  for (const name of ['service-process.ts', 'engine-service.cjs', 'engine-service.js']) {
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  return path.join(dir, 'engine-service.cjs');
}

interface Pending {
  op: string;
  resolve(r: Result<unknown>): void;
  timer: NodeJS.Timeout;
}

interface Process {
  child: ChildLike;
  pending: Map<number, Pending>;
  backend: BackendReport | null;
  /** Set when we killed it, to tell the other waiting requests why. */
  killedBecause: string | null;
  exited: boolean;
}

const isMessage = (m: unknown): m is ServiceMessage => typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';

export function createEngineService(opts: EngineServiceOptions = {}): EngineService {
  const limits = { ...SERVICE_LIMITS, ...opts.limits };
  const spawn = opts.spawn ?? forkSpawn;
  const entry = opts.entry ?? serviceEntryPath();
  const args = [`--backend=${opts.backend ?? 'auto'}`];
  let current: Process | null = null;
  let started = 0;
  let nextId = 1;
  let disposed = false;

  const settle = (proc: Process, id: number, result: Result<unknown>) => {
    const p = proc.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    proc.pending.delete(id);
    p.resolve(result);
  };

  const start = (): Process => {
    const child = spawn(entry, args);
    started++;
    const proc: Process = { child, pending: new Map(), backend: null, killedBecause: null, exited: false };
    child.onMessage((m) => {
      if (!isMessage(m)) return;
      if (m.type === 'ready') proc.backend = m.backend;
      else if (m.type === 'failed') {
        // The answer to each waiting request says why; the process exits on its own or is dropped.
        for (const id of [...proc.pending.keys()]) settle(proc, id, fail('engine-unavailable', `The engine could not start tfjs: ${m.message}`));
      } else if (m.type === 'reply' && typeof m.id === 'number') {
        const bytes = JSON.stringify(m.result)?.length ?? 0;
        const op = proc.pending.get(m.id)?.op ?? 'the request';
        const ok = m.result && typeof m.result === 'object' && typeof m.result.ok === 'boolean';
        settle(proc, m.id, !ok
          ? fail('bad-reply', `The engine service answered ${op} with something that is not a result.`)
          : bytes > limits.replyBytes
            ? fail('too-large', `${op}'s answer is ${(bytes / 1048576).toFixed(1)} MB, more than the ${limits.replyBytes / 1048576} MB allowed.`)
            : m.result);
      }
    });
    child.onExit((code, signal) => {
      proc.exited = true;
      if (current === proc) current = null;
      const why = proc.killedBecause ?? `The engine service stopped (${signal ? `signal ${signal}` : `exit code ${code}`}) while computing; it starts again with the next request.`;
      for (const id of [...proc.pending.keys()]) settle(proc, id, fail(proc.killedBecause ? 'engine-restarted' : 'engine-crashed', why));
    });
    return proc;
  };

  return {
    async call(op, callArgs, callOpts = {}) {
      if (disposed) return fail('unavailable', 'The engine service has been shut down.');
      let text: string | undefined;
      try {
        text = JSON.stringify(callArgs);
      } catch {
        text = undefined;
      }
      if (text === undefined) return fail('bad-request', `${op}: the arguments are not JSON data.`);
      if (text.length > limits.requestBytes) {
        return fail('too-large', `${op}: the request is ${(text.length / 1048576).toFixed(1)} MB; the engine service takes at most ${(limits.requestBytes / 1048576).toFixed(0)} MB. Use a smaller input.`);
      }
      const proc = current && !current.exited ? current : (current = start());
      if (proc.pending.size >= limits.pending) return fail('busy', `The engine service already has ${proc.pending.size} requests waiting; try again when they are answered.`);
      const id = nextId++;
      const timeoutMs = (callOpts.timeoutMs ?? limits.timeoutMs) + (proc.backend ? 0 : limits.startupMs);
      return new Promise<Result<unknown>>((resolve) => {
        const timer = setTimeout(() => {
          settle(proc, id, fail('timeout', `${op} took longer than ${Math.round(timeoutMs / 1000)} s, so the engine service was restarted. Try a smaller input or fewer steps.`));
          // tfjs cannot be interrupted mid-kernel: the only way to stop the work is the process.
          proc.killedBecause = `The engine service was restarted because ${op} took too long; ask again.`;
          if (current === proc) current = null;
          proc.child.kill();
        }, timeoutMs);
        proc.pending.set(id, { op, resolve, timer });
        proc.child.send({ type: 'request', id, op, args: callArgs });
      });
    },

    backend: () => current?.backend ?? null,
    starts: () => started,

    dispose() {
      disposed = true;
      const proc = current;
      current = null;
      if (proc && !proc.exited) {
        proc.killedBecause = 'The engine service was shut down.';
        proc.child.kill();
      }
    },
  };
}
