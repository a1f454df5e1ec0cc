/**
 * The engine service process: `service-process [--backend=auto]`. Forked like the training
 * process (child_process.fork from browser mode's server, Electron's utilityProcess.fork in the
 * app), it loads tfjs once with the backend choice training uses, then answers requests one at a
 * time for as long as its parent lives. Computing here keeps the parent's event loop free, and a
 * crash (a native abort, running out of memory) ends only this process: the client fails the
 * requests in flight and starts a fresh one for the next.
 */

import { fail, type Result } from '../../../shared/api';
import { BACKENDS, type BackendChoice } from '../../../shared/training';
import { initBackend } from '../backends/index';
import { registerOperations } from './operations';
import { SERVICE_LIMITS, type BackendReport, type ServiceMessage, type ServiceRequest } from './protocol';
import { createRegistry } from './registry';

function backendChoice(argv: string[]): BackendChoice {
  const given = argv.find((a) => a.startsWith('--backend='))?.slice('--backend='.length);
  return given && (BACKENDS as readonly string[]).includes(given) ? (given as BackendChoice) : 'auto';
}

function send(message: ServiceMessage): void {
  if (typeof process.send === 'function' && process.connected) process.send(message);
}

const isRequest = (m: unknown): m is ServiceRequest =>
  typeof m === 'object' && m !== null && (m as ServiceRequest).type === 'request' && typeof (m as ServiceRequest).id === 'number' && typeof (m as ServiceRequest).op === 'string';

/** The reply, or an error value in its place when it would not fit the channel's bound. */
function bounded(op: string, result: Result<unknown>): Result<unknown> {
  const bytes = JSON.stringify(result)?.length ?? 0;
  if (bytes <= SERVICE_LIMITS.replyBytes) return result;
  return fail('too-large', `${op}'s answer would be ${(bytes / 1048576).toFixed(1)} MB; the engine service sends at most ${SERVICE_LIMITS.replyBytes / 1048576} MB. Use a smaller input.`);
}

function main(argv: string[]): void {
  const registry = createRegistry();
  registerOperations(registry);
  const ready: Promise<BackendReport | { error: string }> = initBackend(backendChoice(argv)).then(
    (b) => ({ name: b.name, device: b.device, ...(b.note ? { note: b.note } : {}) }),
    (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
  );
  void ready.then((r) => send('error' in r ? { type: 'failed', message: r.error } : { type: 'ready', backend: r }));

  // One request at a time, in arrival order: tfjs's work is synchronous anyway, and a queue keeps
  // memory use to one request's tensors.
  let queue: Promise<void> = Promise.resolve();
  process.on('message', (m: unknown) => {
    if (!isRequest(m)) return;
    queue = queue.then(async () => {
      const backend = await ready;
      const result = 'error' in backend
        ? fail('engine-unavailable', `The engine could not start tfjs: ${backend.error}`)
        : await registry.run(m.op, m.args, { backend });
      send({ type: 'reply', id: m.id, result: bounded(m.op, result) });
    });
  });
  // Without its parent there is nobody to answer.
  process.on('disconnect', () => process.exit(0));
}

main(process.argv.slice(2));
