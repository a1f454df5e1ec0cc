/**
 * `convstudio summary` and `convstudio export` run as real processes (node + tsx, exactly what
 * `npm run convstudio` does), checking output, exit codes, and that bad input is one message
 * without a stack trace.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, summaryJson } from '../../../../main/cli/summary';
import { parseGraph } from '../../../../shared/graph/parse';
import { analyzeGraph } from '../../../../shared/shapes/index';
import { getTemplate } from '../../../../shared/templates/index';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const fixture = (name: string) => join(root, 'test/fixtures/graphs', name);
const tmp = mkdtempSync(join(tmpdir(), 'convstudio-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Ran { code: number; stdout: string; stderr: string }

function cli(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'main/cli/index.ts', ...args], { cwd: root, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function noStack(r: Ran): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).not.toMatch(/\n\s+at /);
}

describe('convstudio summary', () => {
  it('prints LeNet’s layer table and totals, exit 0', async () => {
    const r = await cli('summary', 'lenet');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/conv1 +Conv2d +\[1, 6, 28, 28\] +156 +117,600 +5/);
    expect(r.stdout).toMatch(/flatten +Flatten +\[1, 400\]/);
    expect(r.stdout).toContain('Total params: 61,706 (61.7 k)');
    expect(r.stdout).toContain('Valid.');
  });

  it('--json prints one object with the documented fields', async () => {
    const r = await cli('summary', 'resnet18', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(true);
    expect(out.total_params).toBe(11_178_378);
    expect(out.diagnostics).toEqual([]);
    // d2l's b1 is a block: its row carries the totals, and its layers follow by module path.
    expect(out.nodes[1]).toMatchObject({ id: 'b1', type: 'block:b1', output_shape: [1, 64, 24, 24], params: 3328, macs: 7_225_344, receptive_field: 11 });
    expect(out.nodes[1].inside[0]).toEqual({ path: 'b1.conv', type: 'Conv2d', output_shape: [1, 64, 48, 48], params: 3200, macs: 7_225_344 });
    expect(out.nodes.at(-1)).toMatchObject({ id: 'last', output_shape: [1, 10], params: 5130 });
  });

  it('--input resizes the Input node', async () => {
    const r = await cli('summary', 'vgg-small', '--input', '1,32,32', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.nodes.find((n: { id: string }) => n.id === 'flatten').output_shape).toEqual([1, 128]);
  });

  it('an invalid graph file: exit 2 (as for train), the table up to the failure and the diagnostics with their fixes', async () => {
    const r = await cli('summary', fixture('residual-mismatch.json'));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/stem +Conv2d +\[1, 32, 28, 28\]/);
    expect(r.stdout).toContain('error [residual-shortcut] Residual res: the shortcut adds the input 32×28×28');
    expect(r.stdout).toContain('fix: Use a 1×1 convolution on the shortcut');
    // The --json form of the same graph, built by the same function the process calls.
    const doc = parseGraph(readFileSync(fixture('residual-mismatch.json'), 'utf8')).doc!;
    const json = summaryJson(doc, analyzeGraph(doc)) as { valid: boolean; diagnostics: unknown[]; nodes: { output_shape: unknown; receptive_field: unknown }[] };
    expect(json.valid).toBe(false);
    expect(json.diagnostics[0]).toMatchObject({ node: 'res', severity: 'error', code: 'residual-shortcut', fix: { kind: 'setParam', param: 'use_1x1conv', value: true } });
    expect(json.nodes[2]).toMatchObject({ output_shape: null, receptive_field: null });
  });

  it('bad input files: exit 2 with one clear message and no stack trace', async () => {
    const badJson = join(tmp, 'bad.json');
    writeFileSync(badJson, '{"format": "convstudio.graph", "nodes": [');
    const big = join(tmp, 'big.json');
    writeFileSync(big, `{"name": "${'x'.repeat(10 * 1024 * 1024)}"}`);
    const deep = join(tmp, 'deep.json');
    writeFileSync(deep, '['.repeat(100_000) + ']'.repeat(100_000));
    const [a, b, c, d] = await Promise.all([cli('summary', badJson), cli('summary', big), cli('summary', deep), cli('summary', join(tmp, 'missing.json'))]);
    for (const r of [a, b, c, d]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      noStack(r);
    }
    expect(a.stderr).toContain(`cannot open ${badJson}:\n  The file is not valid JSON`);
    expect(b.stderr).toBe(`convstudio summary: ${big} is 10.0 MB; a graph file is at most 5 MB. Is this the right file?\n`);
    expect(c.stderr).toContain('nests deeper than 16 levels');
    expect(d.stderr).toContain('is neither a template (lenet, bn-lenet, alexnet, vgg, vgg-small, vgg16, vgg19, nin, googlenet, resnet18, resnet50, preact-resnet18, resnext, densenet) nor a file: ');
  });

  it('bad usage: exit 2 with the usage', async () => {
    const [none, unknown] = await Promise.all([cli('summary'), cli('summary', 'lenet', '--verbose')]);
    for (const r of [none, unknown]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('usage: convstudio summary <lenet|bn-lenet|alexnet|vgg|vgg-small|vgg16|vgg19|nin|googlenet|resnet18|resnet50|preact-resnet18|resnext|densenet|file.json>');
      noStack(r);
    }
    expect(unknown.stderr).toContain('unknown option "--verbose"');
  });

  it.each([
    [['lenet', 'vgg'], 'expected one template or file, got 2: lenet vgg.'],
    [['lenet', '--input', '1,28'], '--input must be three whole numbers C,H,W from 1 to 65536, e.g. 1,28,28; got "1,28".'],
    [['lenet', '--input'], '--input needs a value.'],
    [['lenet', '--json=yes'], '--json takes no value.'],
  ])('argument parsing: %j is refused with "%s"', (argv, message) => {
    expect(() => parseArgs(argv, 'summary', ['json'], ['input'])).toThrow(message);
  });

  it('argument parsing accepts --input both ways', () => {
    expect(parseArgs(['--input=3,32,32', 'vgg'], 'summary', ['json'], ['input']).input).toEqual([3, 32, 32]);
    expect(parseArgs(['vgg', '--input', '3, 32, 32', '--json'], 'summary', ['json'], ['input'])).toMatchObject({ source: 'vgg', input: [3, 32, 32] });
  });
});

describe('convstudio export', () => {
  it('writes a template as a graph file that summary reads back', async () => {
    const out = join(tmp, 'resnet.json');
    const w = await cli('export', 'resnet18', '--out', out);
    expect(w.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(JSON.parse(text)).toEqual(getTemplate('resnet18'));
    const parsed = parseGraph(text);
    expect(parsed.diagnostics).toEqual([]);
    expect(analyzeGraph(parsed.doc!).totals.params).toBe(11_178_378);
  });

  it('prints to stdout without --out, and refuses an unwritable path with exit 2', async () => {
    const [stdout, bad] = await Promise.all([cli('export', 'lenet'), cli('export', 'lenet', '--out', join(tmp, 'no/such/dir/x.json'))]);
    expect(stdout.code).toBe(0);
    expect(JSON.parse(stdout.stdout)).toEqual(getTemplate('lenet'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot write');
    noStack(bad);
  });
});
