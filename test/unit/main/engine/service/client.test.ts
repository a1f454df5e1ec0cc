/**
 * The engine service as the hosts use it: a real service process forked from the sources (as
 * browser mode does), requests matched by id, one warm process for many requests, and every
 * failure an error value — unknown operation, request or reply too large, too many waiting, no
 * answer in time, the process killed under a request, a backend that cannot start — with a
 * fresh process for the next request after a crash or a timeout.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { forkSpawn, type ChildLike } from '../../../../../main/engine/jobs';
import { createEngineService, type EngineService, type EngineServiceOptions } from '../../../../../main/engine/service/client';
import { checkCorrelate, checkLearn } from '../../../../../shared/lab/check';
import { CORRELATE_SCENES } from '../../../../../shared/lab/presets';

const corr2d = (() => {
  const s = CORRELATE_SCENES[0];
  const c = checkCorrelate({ x: [s.x], k: [[s.k]] });
  if (!c.ok) throw new Error(c.error.message);
  return c.value.request;
})();

/** A learning request that takes a while: 500 steps of an 8×8 kernel on a 64×64 image. */
const slowLearn = (() => {
  const x = Array.from({ length: 64 }, (_, i) => Array.from({ length: 64 }, (_, j) => ((i * 7 + j * 3) % 5) / 4));
  const y = Array.from({ length: 57 }, () => new Array(57).fill(0.5));
  const c = checkLearn({ x, y, kernel: 8, lr: 1e-4, steps: 500, seed: 1 });
  if (!c.ok) throw new Error(c.error.message);
  return c.value.request;
})();

let services: EngineService[] = [];
afterEach(() => {
  for (const s of services) s.dispose();
  services = [];
});

/** A service whose forked processes the test can see (to kill one, as a crash would). */
function service(opts: EngineServiceOptions = {}): { svc: EngineService; children: ChildLike[] } {
  const children: ChildLike[] = [];
  const svc = createEngineService({
    ...opts,
    spawn: (modulePath, args) => {
      const c = forkSpawn(modulePath, args);
      children.push(c);
      return c;
    },
  });
  services.push(svc);
  return { svc, children };
}

// Each fork loads tfjs afresh, so the cases share processes where they do not need their own.
describe('the engine service', () => {
  it('answers in one warm process, reports the backend it chose as training would, and names unknown operations', async () => {
    const { svc } = service();
    expect(svc.starts()).toBe(0);
    const [a, b] = await Promise.all([svc.call('lab.correlate', corr2d), svc.call('lab.correlate', { ...corr2d, stride: 2 })]);
    expect(a).toMatchObject({ ok: true, value: { y: [[[19, 25], [37, 43]]] } });
    expect(b).toMatchObject({ ok: true, value: { y: [[[19]]] } });
    expect(await svc.call('lab.nothing', {})).toMatchObject({ ok: false, error: { code: 'unknown-operation', message: expect.stringContaining('lab.correlate') } });
    expect(await svc.call('lab.correlate', corr2d)).toMatchObject({ ok: true });
    expect(svc.starts()).toBe(1);
    expect(svc.backend()?.name).toMatch(/^(tensorflow|native|wasm|cpu)$/);
    expect(a.ok && (a.value as { backend: string }).backend).toBe(svc.backend()?.name);
  });

  it('refuses a request too large to send, before starting anything', async () => {
    const { svc } = service({ limits: { requestBytes: 100 } });
    expect(await svc.call('lab.correlate', corr2d)).toMatchObject({ ok: false, error: { code: 'too-large' } });
    expect(svc.starts()).toBe(0);
  });

  it('says it is busy past the number of waiting requests, and refuses an answer larger than the bound', async () => {
    const { svc } = service({ limits: { pending: 1, replyBytes: 300 } });
    const first = svc.call('lab.correlate', corr2d);
    expect(await svc.call('lab.correlate', corr2d)).toMatchObject({ ok: false, error: { code: 'busy' } });
    expect(await first).toMatchObject({ ok: true });
    const big = { x: [Array.from({ length: 8 }, () => new Array(8).fill(1))], k: [[[[1]]]], stride: 1, padding: 0, dilation: 1, terms: true };
    expect(await svc.call('lab.correlate', big)).toMatchObject({ ok: false, error: { code: 'too-large', message: expect.stringContaining('lab.correlate') } });
  });

  it('restarts the process after a request takes too long or the process dies under one, answering the next', async () => {
    const { svc, children } = service();
    expect(await svc.call('lab.correlate', corr2d)).toMatchObject({ ok: true });
    const slow = await svc.call('lab.learn', slowLearn, { timeoutMs: 1 });
    expect(slow).toMatchObject({ ok: false, error: { code: 'timeout', message: expect.stringContaining('lab.learn took longer than') } });
    expect(await svc.call('lab.correlate', corr2d)).toMatchObject({ ok: true, value: { y: [[[19, 25], [37, 43]]] } });
    expect(svc.starts()).toBe(2);

    const pending = svc.call('lab.learn', slowLearn);
    children[1].kill();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'engine-crashed', message: expect.stringContaining('starts again with the next request') } });
    expect(await svc.call('lab.correlate', corr2d)).toMatchObject({ ok: true, value: { y: [[[19, 25], [37, 43]]] } });
    expect(svc.starts()).toBe(3);
    expect(children).toHaveLength(3);
  });

  it('gives a request sent while tfjs loads that time too, and later requests only their own', async () => {
    const { svc } = service({ limits: { timeoutMs: 1, startupMs: 110_000 } });
    expect(await svc.call('lab.correlate', corr2d)).toMatchObject({ ok: true, value: { y: [[[19, 25], [37, 43]]] } });
    expect(await svc.call('lab.learn', slowLearn)).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(svc.starts()).toBe(1);
  });

  it('explains a backend that cannot start', async () => {
    const { svc } = service({ backend: 'tensorflow' });
    const r = await svc.call('lab.correlate', corr2d);
    // tfjs-node is an optional dependency that needs internet to install; where it exists the request succeeds.
    if (!r.ok) expect(r.error).toMatchObject({ code: 'engine-unavailable', message: expect.stringContaining('tensorflow') });
  });

  it('answers nothing after it is shut down', async () => {
    const { svc } = service();
    svc.dispose();
    expect(await svc.call('lab.correlate', corr2d)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });
});
