// The SpawnFn adapter over utilityProcess.fork. Electron's utilityProcess cannot run here (no
// binary), so it is a recording stand-in; what is checked is the mapping the job manager relies
// on: the bundled entry is forked whatever module the manager names, messages both ways, exit
// reported once with its code, and no send/kill after exit.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createUtilitySpawn, type UtilityChild } from '../../../../main/shell/utility-spawn';

class StandInChild extends EventEmitter implements UtilityChild {
  posted: unknown[] = [];
  killed = 0;
  postMessage(message: unknown) {
    this.posted.push(message);
  }
  kill() {
    this.killed++;
    return true;
  }
}

describe('createUtilitySpawn', () => {
  it('forks the bundled entry and maps messages, exit and kill', () => {
    const forks: { modulePath: string; args?: string[]; options?: object }[] = [];
    const child = new StandInChild();
    const spawn = createUtilitySpawn({
      entry: '/app/resources/app.asar/out/main/train-process.cjs',
      utilityProcess: {
        fork(modulePath, args, options) {
          forks.push({ modulePath, args, options });
          return child;
        },
      },
    });
    const c = spawn('/src/main/engine/train-process.ts', ['--run', 'r1']);
    expect(forks).toEqual([{ modulePath: '/app/resources/app.asar/out/main/train-process.cjs', args: ['--run', 'r1'], options: expect.objectContaining({ serviceName: 'ConvStudio training' }) }]);

    const got: unknown[] = [];
    const exits: unknown[] = [];
    c.onMessage((m) => got.push(m));
    c.onExit((code, signal) => exits.push([code, signal]));
    c.send({ type: 'stop' });
    child.emit('message', { event: 'batch', loss: 1 });
    expect(child.posted).toEqual([{ type: 'stop' }]);
    expect(got).toEqual([{ event: 'batch', loss: 1 }]);

    c.kill();
    expect(child.killed).toBe(1);
    child.emit('exit', 134);
    expect(exits).toEqual([[134, null]]);
    c.send({ type: 'stop' });
    c.kill();
    expect(child.posted).toHaveLength(1);
    expect(child.killed).toBe(1);
  });

  it('names the process as the caller asks (the engine service is not training)', () => {
    const names: unknown[] = [];
    const spawn = createUtilitySpawn({
      entry: '/app/out/main/engine-service.cjs',
      serviceName: 'ConvStudio engine',
      utilityProcess: { fork: (modulePath, args, options) => (names.push([modulePath, args, options?.serviceName]), new StandInChild()) },
    });
    spawn('/src/main/engine/service/service-process.ts', ['--backend=auto']);
    expect(names).toEqual([['/app/out/main/engine-service.cjs', ['--backend=auto'], 'ConvStudio engine']]);
  });
});
