/**
 * Named operations the engine service answers, registered by feature (the Kernel lab now; model
 * insight later), so the process, the protocol and the client stay the same whatever is added.
 * An operation gets its request's arguments as they arrived — it checks them itself — and the
 * backend the service runs on, and returns a Result.
 */

import { fail, type Result } from '../../../shared/api';
import type { BackendReport } from './protocol';

export interface OperationContext {
  backend: BackendReport;
}

export type Operation = (args: unknown, ctx: OperationContext) => Result<unknown> | Promise<Result<unknown>>;

export interface OperationRegistry {
  register(name: string, op: Operation): void;
  names(): string[];
  run(name: string, args: unknown, ctx: OperationContext): Promise<Result<unknown>>;
}

export function createRegistry(): OperationRegistry {
  const ops = new Map<string, Operation>();
  return {
    register(name, op) {
      if (ops.has(name)) throw new Error(`engine operation "${name}" is registered twice`);
      ops.set(name, op);
    },
    names: () => [...ops.keys()],
    async run(name, args, ctx) {
      const op = ops.get(name);
      if (!op) return fail('unknown-operation', `The engine service has no operation "${String(name).slice(0, 60)}". Known: ${[...ops.keys()].join(', ')}.`);
      try {
        return await op(args, ctx);
      } catch (err) {
        return fail('engine-error', `${name} failed in the engine: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
