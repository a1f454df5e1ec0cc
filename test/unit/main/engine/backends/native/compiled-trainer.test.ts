/**
 * The trainer on the native backend runs the compiled step by default, and its results are the
 * op-by-op path's (CONVSTUDIO_COMPILED_STEP=off) to float32 noise: the same losses batch by batch,
 * the same validation, and checkpoints either path resumes from.
 */

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runTraining } from '../../../../../../main/engine/node-trainer';
import { loadFashionMnist, type FashionMnist } from '../../../../../../main/data/fashion-mnist';
import { SYSTEM_DATA_DIR } from '../../../../../../main/data/locate';
import { loadAddon } from '../../../../../../main/engine/backends/native/addon';
import { FALLBACK_NOTE } from '../../../../../../main/engine/backends/native/compiled/trainer-step';
import type { GraphDoc } from '../../../../../../shared/graph/types';
import type { TrainingEvent } from '../../../../../../shared/training';
import { getTemplate } from '../../../../../../shared/templates/index';
import { newRun, ofType, reluLenet } from '../../train-helpers';
import { withoutDropout } from './compiled-helpers';

const skip = loadAddon().addon?.CompiledNet ? '' : `compiled trainer tests skipped: ${loadAddon().reason}`;
if (skip) console.warn(skip);

let data: FashionMnist;
beforeAll(async () => { data = await loadFashionMnist({ dir: SYSTEM_DATA_DIR }); });

const SWITCH = 'CONVSTUDIO_COMPILED_STEP';
afterEach(() => { delete process.env[SWITCH]; });

type Path = 'compiled' | 'op by op';

async function train(runDir: string, path: Path, opts: { resume?: boolean; stopAfterBatches?: number } = {}) {
  if (path === 'op by op') process.env[SWITCH] = 'off';
  else delete process.env[SWITCH];
  const events: TrainingEvent[] = [];
  let batches = 0;
  const outcome = await runTraining(runDir, {
    emit: (e) => { events.push(e); if (e.event === 'batch') batches++; },
    shouldStop: () => opts.stopAfterBatches !== undefined && batches >= opts.stopAfterBatches,
  }, { resume: opts.resume, data });
  return { outcome, events, losses: ofType(events, 'batch').map((e) => e.loss), start: ofType(events, 'start')[0] };
}

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
const worstRel = (a: number[], b: number[]) => Math.max(...a.map((v, i) => relErr(v, b[i])));

// Dropout off: the op-by-op path draws its masks from tfjs's generator, which nothing can seed alike.
// The downsampling Residual after a BN-ReLU at 28 px is the case that once drifted (float32 batch
// statistics; compiled-strided.test.ts).
const chain = (id: string, type: string, params: GraphDoc['nodes'][number]['params']) => ({ id, type, params });
const downsampling: GraphDoc = {
  format: 'convstudio.graph', version: 2, name: 'downsampling residual',
  nodes: [
    chain('input', 'Input', { channels: 1, height: 28, width: 28 }),
    chain('stem', 'Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }),
    chain('bn', 'BatchNorm2d', {}),
    chain('relu', 'ReLU', {}),
    chain('res', 'Residual', { num_channels: 16, use_1x1conv: true, strides: 2 }),
    chain('gap', 'AdaptiveAvgPool2d', { output_size: 1 }),
    chain('flat', 'Flatten', {}),
    chain('head', 'Linear', { out_features: 10 }),
  ],
  edges: [],
};
downsampling.edges = downsampling.nodes.slice(1).map((n, i) => ({ source: downsampling.nodes[i].id, target: n.id }));
const graphs: [string, GraphDoc][] = [
  ['LeNet (ReLU)', reluLenet()],
  ['BN-LeNet', withoutDropout(getTemplate('bn-lenet')!)],
  ['a downsampling Residual at 28 px', downsampling],
];
const CONFIG = { epochs: 1, batchSize: 32, lr: 0.05, limit: 192, valLimit: 100, backend: 'native' as const };

describe.skipIf(!!skip)('the trainer on the native backend', () => {
  it.each(graphs)('%s: compiled by default, the op-by-op path when switched off, the same losses and validation', async (_name, doc) => {
    const compiled = await train(newRun(doc, CONFIG).runDir, 'compiled');
    const opByOp = await train(newRun(doc, CONFIG).runDir, 'op by op');
    for (const r of [compiled, opByOp]) {
      expect(ofType(r.events, 'error')).toEqual([]);
      expect(r.outcome).toBe('done');
    }
    expect(compiled.start.device).toMatch(/compiled step, \d+ threads?\)$/);
    expect(compiled.start.note ?? '').not.toContain(FALLBACK_NOTE);
    expect(opByOp.start.device).not.toContain('compiled');
    expect(opByOp.start.note).toContain(`${FALLBACK_NOTE} (switched off by ${SWITCH}=off); training runs op by op on the native backend.`);
    expect(compiled.losses).toHaveLength(6);
    expect(worstRel(compiled.losses, opByOp.losses)).toBeLessThan(1e-3);
    const [a] = ofType(compiled.events, 'epoch');
    const [b] = ofType(opByOp.events, 'epoch');
    expect(relErr(a.val_loss, b.val_loss)).toBeLessThan(1e-3);
    expect(Math.abs(a.val_acc - b.val_acc)).toBeLessThanOrEqual(0.02);
  }, 600_000);

  it("takes the run's threads setting: the device line names the count and the steps are the same", async () => {
    const doc = reluLenet();
    const one = await train(newRun(doc, { ...CONFIG, threads: 1 }).runDir, 'compiled');
    const two = await train(newRun(doc, { ...CONFIG, threads: 2 }).runDir, 'compiled');
    expect(one.start.device).toMatch(/compiled step, 1 thread\)$/);
    expect(two.start.device).toMatch(/compiled step, 2 threads\)$/);
    // Threads split the same sums differently: float32 rounding, nothing more.
    expect(one.losses).toHaveLength(6);
    expect(worstRel(one.losses, two.losses)).toBeLessThan(1e-4);
  }, 600_000);

  it.each([['compiled', 'op by op'], ['op by op', 'compiled']] as [Path, Path][])(
    'a run stopped on the %s path resumes on the %s path where it left off', async (first, second) => {
      const doc = withoutDropout(getTemplate('bn-lenet')!);
      const whole = await train(newRun(doc, CONFIG).runDir, 'compiled');
      const { runDir } = newRun(doc, CONFIG);
      const stopped = await train(runDir, first, { stopAfterBatches: 2 });
      expect(stopped.outcome).toBe('stopped');
      expect(ofType(stopped.events, 'checkpoint')).toHaveLength(1);
      const resumed = await train(runDir, second, { resume: true });
      expect(ofType(resumed.events, 'error')).toEqual([]);
      expect(resumed.outcome).toBe('done');
      expect(resumed.losses).toHaveLength(4);
      expect(worstRel([...stopped.losses, ...resumed.losses], whole.losses)).toBeLessThan(1e-3);
      expect(relErr(ofType(resumed.events, 'epoch')[0].val_loss, ofType(whole.events, 'epoch')[0].val_loss)).toBeLessThan(1e-3);
    }, 600_000);
});
