import { describe, expect, it } from 'vitest';
import { parseBenchArgs, toMarkdown, type BenchReport } from '../../../../main/bench/bench';

describe('bench command line', () => {
  it('reads networks, backends and flags', () => {
    const got = parseBenchArgs(['--json', '--quick', '--networks', 'lenet,resnet18', '--backends', 'native', '--no-torch', '--markdown', 'out.md']);
    expect(got).toEqual({ opts: { quick: true, networks: ['lenet', 'resnet18'], backends: ['native'], torch: false }, json: true, markdown: 'out.md' });
  });

  it.each([
    [['--networks', 'alexnet'], /unknown network alexnet/],
    [['--backends', 'gpu'], /unknown backend gpu/],
    [['--markdown'], /--markdown needs a value/],
    [['--fast'], /unknown option --fast/],
  ])('rejects %j with a message naming the problem', (argv, message) => {
    const got = parseBenchArgs(argv);
    expect('error' in got && got.error).toMatch(message);
  });
});

describe('bench report', () => {
  it('renders one table per network with the ratio to PyTorch', () => {
    const report: BenchReport = {
      date: '2026-11-27T12:00:00Z', machine: 'test machine', command: 'npm run bench', pytorch: { available: true }, profiles: {},
      results: [
        { network: 'LeNet', backend: 'pytorch', samples_per_s: 1000, pytorch_samples_per_s: 1000, ratio: 1 },
        { network: 'LeNet', backend: 'native', samples_per_s: 1500, pytorch_samples_per_s: 1000, ratio: 1.5, device: 'cpu', median_step_ms: 85.3, steps: 60 },
        { network: 'ResNet-18@96', backend: 'wasm', samples_per_s: null, pytorch_samples_per_s: 30, ratio: null, note: 'failed: out of memory' },
      ],
    };
    const md = toMarkdown(report);
    expect(md).toContain('**LeNet** (batch 128)');
    expect(md).toContain('| native | cpu | 1,500 | 85.3 | 60 | 1,000 | 1.50× |');
    expect(md).toContain('| wasm | failed: out of memory | – | – | – | 30 | – |');
  });
});
