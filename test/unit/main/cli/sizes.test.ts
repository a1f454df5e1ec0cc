/**
 * Impossible sizes through the CLI as real processes: 1,100 levels of Concat doubling used to
 * print ∞ channels and "Valid.", and a 16.7M-channel convolution passed validation, then
 * training allocated until it failed (4.3 GB RSS). Both must be refused before any training
 * process starts, with exit 2 and the reason.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cs-sizes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'main/cli/index.ts', ...args], { cwd: root, maxBuffer: 1 << 26, env: { ...process.env, CONVSTUDIO_DATA_URL: 'http://127.0.0.1:9/' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function write(name: string, nodes: object[], edges: object[]): string {
  const f = join(tmp, name);
  writeFileSync(f, JSON.stringify({ format: 'convstudio.graph', version: 1, name, nodes, edges }));
  return f;
}

const inputNode = (c: number, s: number) => ({ id: 'input', type: 'Input', params: { channels: c, height: s, width: s } });

function concatDoubling(levels: number): string {
  const nodes: object[] = [inputNode(1, 28)];
  const edges: object[] = [];
  let prev = 'input';
  for (let i = 0; i < levels; i++) {
    nodes.push({ id: `c${i}`, type: 'Concat', params: {} });
    edges.push({ source: prev, target: `c${i}`, targetHandle: 'in0' }, { source: prev, target: `c${i}`, targetHandle: 'in1' });
    prev = `c${i}`;
  }
  nodes.push({ id: 'flat', type: 'Flatten', params: {} }, { id: 'fc', type: 'Linear', params: { out_features: 10 } });
  edges.push({ source: prev, target: 'flat' }, { source: 'flat', target: 'fc' });
  return write('concat-doubling.json', nodes, edges);
}

const hugeConv = write('huge-conv.json',
  [inputNode(1, 28), { id: 'wide', type: 'Conv2d', params: { out_channels: 16_777_216, kernel_size: 3, padding: 1 } },
    { id: 'pool', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } }, { id: 'flat', type: 'Flatten', params: {} },
    { id: 'fc', type: 'Linear', params: { out_features: 10 } }],
  [{ source: 'input', target: 'wide' }, { source: 'wide', target: 'pool' }, { source: 'pool', target: 'flat' }, { source: 'flat', target: 'fc' }]);

describe.concurrent('impossible sizes are refused, not trained', () => {
  it('1,100 levels of Concat doubling: summary marks the level that overflows, train refuses; no ∞ anywhere', async () => {
    const file = concatDoubling(1_100);
    const out = mkdtempSync(join(tmp, 'runs-'));
    const [summary, train] = await Promise.all([cli('summary', file), cli('train', file, '--out', out)]);
    expect(summary.code).toBe(2);
    expect(summary.stdout).toMatch(/error \[size-overflow\] Concat c43: its output \[1, 17592186044416, 28, 28\]/);
    expect(summary.stdout).not.toMatch(/∞|Infinity|NaN/);
    expect(summary.stdout).toMatch(/^Invalid: 1 error/m);
    expect(train.code).toBe(2);
    expect(train.stderr).toMatch(/cannot be trained[\s\S]*Concat c43: its output/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a 16.7M-channel convolution: valid for PyTorch’s arithmetic, refused for training before any allocation', async () => {
    const out = mkdtempSync(join(tmp, 'runs-'));
    const [summary, train] = await Promise.all([cli('summary', hugeConv), cli('train', hugeConv, '--out', out, '--backend', 'wasm')]);
    expect(summary.code).toBe(0);
    expect(train.code).toBe(2);
    expect(train.stderr).toMatch(/Conv2d wide: its output at batch size 128 has 1,683,627,180,032 elements; TensorFlow\.js indexes at most 2,147,483,647 in one tensor\. Reduce its channels/);
    expect(readdirSync(out)).toEqual([]);
  });
});
