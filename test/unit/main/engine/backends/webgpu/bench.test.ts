/**
 * The GPU benchmark is ready to run where a GPU exists: `--backends webgpu,tensorflow` is
 * accepted, webgpu is left out of the default run (no adapter to measure here), and the
 * benchmark's measuring process trains on webgpu (SwiftShader here), reading its losses as WebGPU
 * must. The figure itself means nothing on a software adapter and is not checked.
 */

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { DEFAULTS, parseBenchArgs } from '../../../../../../main/bench/bench';
import { SYSTEM_DATA_DIR } from '../../../../../../main/data/locate';
import { SWIFTSHADER_TIMEOUT_MS, webgpuTestEnv } from './helpers';

const ROOT = path.resolve(import.meta.dirname, '../../../../../..');

describe('the GPU benchmark', () => {
  it('takes --backends webgpu,tensorflow, and measures webgpu only when named', () => {
    expect(parseBenchArgs(['--backends', 'webgpu,tensorflow'])).toEqual({ opts: { backends: ['webgpu', 'tensorflow'] }, json: false, markdown: null });
    expect(DEFAULTS.backends).not.toContain('webgpu');
    const bad = parseBenchArgs(['--backends', 'cuda']);
    expect('error' in bad && bad.error).toMatch(/unknown backend cuda; choose from .*webgpu/);
  });

  it('its measuring process trains LeNet on webgpu and reports the adapter', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'main/bench/step-child.ts', '--network', 'lenet', '--backend', 'webgpu',
      '--warmup', '1', '--steps', '2', '--batch', '16', '--data-dir', SYSTEM_DATA_DIR], { cwd: ROOT, encoding: 'utf8', env: webgpuTestEnv(), timeout: SWIFTSHADER_TIMEOUT_MS - 60_000 });
    const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
    const r = JSON.parse(line ?? '{}') as Record<string, unknown>;
    expect(r.error ?? null).toBeNull();
    expect(r).toMatchObject({ network: 'lenet', backend: 'webgpu', steps: 2, device: expect.stringMatching(/^software: SwiftShader/) });
    // LeNet starts near ln 10 ≈ 2.3: a finite loss of that size was read back from the GPU.
    expect(r.last_loss).toBeGreaterThan(1);
    expect(r.last_loss).toBeLessThan(4);
    expect(r.samples_per_s).toBeGreaterThan(0);
  }, SWIFTSHADER_TIMEOUT_MS);
});
