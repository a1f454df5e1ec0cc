/**
 * Training on webgpu (SwiftShader here): auto never picks a software adapter, `--backend webgpu`
 * says it is software, and LeNet trained on real Fashion-MNIST batches through the real CLI and
 * training process, as a user runs it, loses what it loses on the cpu backend to float32 noise.
 * (memory.test.ts has the batch too large for the GPU.)
 */

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../../../../main/engine/backends/index';
import { releaseWebgpu } from '../../../../../../main/engine/backends/webgpu/index';
import { SYSTEM_DATA_DIR } from '../../../../../../main/data/locate';
import type { TrainingEvent } from '../../../../../../shared/training';
import { SWIFTSHADER_TIMEOUT_MS, useWebgpu, webgpuTestEnv } from './helpers';

const ROOT = path.resolve(import.meta.dirname, '../../../../../..');
const LR = 0.9; // the seed's LeNet learning rate: large steps make any disagreement grow

describe('auto and software adapters', () => {
  it('auto passes over a software adapter and says why; asked for, webgpu uses it and says "software"', async () => {
    Object.assign(process.env, webgpuTestEnv());
    const auto = await initBackend('auto', { readsAsync: true });
    expect(auto.name).not.toBe('webgpu');
    expect(auto.note).toMatch(/webgpu was not used: the only WebGPU adapter is a software one, SwiftShader driver [\d.]+ \(google swiftshader\) \(a CPU emulating a GPU, slower than the CPU backends\); auto does not use it\./);
    const asked = await useWebgpu();
    expect(asked.name).toBe('webgpu');
    expect(asked.device).toMatch(/^software: SwiftShader driver [\d.]+ \(google swiftshader\) via WebGPU/);
    expect(asked.note).toMatch(/software/);
    releaseWebgpu();
  }, SWIFTSHADER_TIMEOUT_MS);
});

interface CliRun { code: number | null; events: (TrainingEvent & Record<string, unknown>)[]; stderr: string }

/** `convstudio train … --json` as a process; its stdout lines are the run's events. */
function train(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
  const out = mkdtempSync(path.join(os.tmpdir(), 'cs-webgpu-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, 'main/cli/index.ts', 'train', 'lenet', '--json', '--out', out, '--data', SYSTEM_DATA_DIR, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stderr, events: stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) }));
  });
}

const batchLosses = (runDir: string) => readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrainingEvent)
  .flatMap((e) => (e.event === 'batch' ? [e.loss] : []));

describe('convstudio train, through the real training process', () => {
  const small = ['--limit', '128', '--batch-size', '32', '--epochs', '1', '--val-limit', '64', '--lr', String(LR)];

  it('--backend auto never trains on the software adapter', async () => {
    const r = await train(['--backend', 'auto', '--limit', '32', '--batch-size', '32', '--epochs', '1', '--val-limit', '32'], webgpuTestEnv());
    const start = r.events.find((e) => e.event === 'start');
    expect(start, r.stderr).toBeDefined();
    expect(start!.backend).not.toBe('webgpu');
    expect(r.code).toBe(0);
  }, SWIFTSHADER_TIMEOUT_MS);

  it('--backend webgpu says it is software, and LeNet\'s losses match the cpu backend\'s', async () => {
    const gpu = await train(['--backend', 'webgpu', ...small], webgpuTestEnv());
    const start = gpu.events.find((e) => e.event === 'start');
    expect(start, gpu.stderr).toMatchObject({ backend: 'webgpu', device: expect.stringMatching(/^software: SwiftShader/) });
    expect(gpu.events.find((e) => e.event === 'error')?.message ?? null).toBeNull();
    const cpu = await train(['--backend', 'cpu', ...small], process.env);
    const want = batchLosses(String(cpu.events.find((e) => e.event === 'start')!.runDir));
    const got = batchLosses(String(start!.runDir));
    expect(got).toHaveLength(4); // 128 samples in batches of 32
    got.forEach((l, i) => expect(Math.abs(l - want[i]) / want[i], `batch ${i + 1}`).toBeLessThan(1e-4));
  }, SWIFTSHADER_TIMEOUT_MS);
});
