// Start from anywhere (the button, the desktop menu's Ctrl+Enter, a menu command) goes through the
// same check that disables the button, on the real store against the real Node Api in-process; and
// the settings that clash or do not apply are judged as the panel shows them, before Start.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphDoc } from '../../../shared/graph/types';
import { getTemplate } from '../../../shared/templates/index';
import { DEFAULT_TRAIN_CONFIG, applicableConfig, settingInapplicable, type TrainConfig } from '../../../shared/training/settings';
import { setHost } from '../../../renderer/api/host';
import { startCheck } from '../../../renderer/estimate/start-check';
import { startTraining } from '../../../renderer/training/controller';
import { useStore } from '../../../renderer/store/index';
import { createTestHost } from './test-host';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-start-gate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What reached the Api's startTraining (the real one answers: this host has no job manager). */
let sent: { config: TrainConfig }[];
beforeEach(() => {
  const h = createTestHost(path.join(tmp, 'runs'));
  const real = h.api.startTraining.bind(h.api);
  sent = [];
  const api: typeof h.api = { ...h.api, startTraining: (req) => { sent.push(req as { config: TrainConfig }); return real(req); } };
  setHost({ ...h, api });
  useStore.getState().loadDoc(getTemplate('lenet') as GraphDoc);
  useStore.setState({ toasts: [], config: { ...DEFAULT_TRAIN_CONFIG } });
});

const lastToast = () => useStore.getState().toasts.at(-1)?.text ?? '';
const check = () => { const s = useStore.getState(); return startCheck(s.analysis, s.config, s.estimateBasis); };

describe('Start is gated wherever it is pressed', () => {
  it('a 3-channel Input: startTraining says why and asks nothing of the Api', async () => {
    const lenet = getTemplate('lenet') as GraphDoc;
    useStore.getState().loadDoc({ ...lenet, nodes: lenet.nodes.map((n) => (n.type === 'Input' ? { ...n, params: { ...n.params, channels: 3 } } : n)) });
    await startTraining();
    expect(lastToast()).toMatch(/^Start is disabled: Fashion-MNIST images have 1 channel but the Input has 3/);
    expect(sent).toEqual([]);
  });

  it('Nesterov without momentum is refused as it is set, beside the Nesterov field', async () => {
    useStore.getState().setConfig({ nesterov: true });
    expect(check().settings.nesterov).toMatch(/^Nesterov needs a momentum above 0/);
    expect(check().reason).toMatch(/^Nesterov needs a momentum above 0/);
    await startTraining();
    expect(lastToast()).toMatch(/^Start is disabled: Nesterov needs a momentum above 0/);
    expect(sent).toEqual([]);
    useStore.getState().setConfig({ momentum: 0.9 });
    expect(check().reason).toBeNull();
  });

  it("SGD's momentum under Adam is greyed, not a clash: Start sends Adam with momentum 0", async () => {
    useStore.getState().setConfig({ momentum: 0.9, nesterov: true, optimizer: 'adam', lr: 0.001 });
    expect(settingInapplicable('momentum', useStore.getState().config)).toBe('SGD only');
    expect(settingInapplicable('nesterov', useStore.getState().config)).toBe('SGD only');
    expect(check().reason).toBeNull();
    await startTraining();
    expect(sent).toHaveLength(1);
    expect(sent[0].config).toMatchObject({ optimizer: 'adam', momentum: 0, nesterov: false, lr: 0.001 });
    // What was typed for SGD is still there when SGD comes back.
    expect(useStore.getState().config.momentum).toBe(0.9);
  });

  it('a bad value in a field that does not apply does not block Start', () => {
    useStore.getState().setConfig({ schedule: 'constant', gamma: 5, backend: 'wasm', threads: 0 });
    expect(check().reason).toBeNull();
    useStore.getState().setConfig({ schedule: 'step' });
    expect(check().settings.gamma).toMatch(/^LR gamma must be/);
    useStore.getState().setConfig({ schedule: 'constant', backend: 'native' });
    expect(check().settings.threads).toMatch(/^CPU threads must be a whole number from 1 to 1024/);
  });
});

describe('applicableConfig', () => {
  it('keeps what applies and puts the rest at their defaults', () => {
    const c: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, optimizer: 'adamw', momentum: 0.5, schedule: 'cosine', stepSize: 3, gamma: 0.5, backend: 'wasm', threads: 4, lr: 0.002 };
    expect(applicableConfig(c)).toEqual({ ...c, momentum: 0, stepSize: 5, gamma: 0.1, threads: null });
    const sgd: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, momentum: 0.9, nesterov: true, schedule: 'step', stepSize: 3, backend: 'native', threads: 1 };
    expect(applicableConfig(sgd)).toEqual(sgd);
  });
});
