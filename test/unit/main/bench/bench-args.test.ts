import { describe, expect, it } from 'vitest';
import { parseBenchArgs, stepsFor, threadsOf, toMarkdown, type BenchReport } from '../../../../main/bench/bench';

describe('bench command line', () => {
  it('reads networks, backends, PyTorch thread counts and flags', () => {
    const got = parseBenchArgs(['--json', '--quick', '--networks', 'lenet,resnet18', '--backends', 'compiled,native', '--torch-threads', '1,2', '--no-torch', '--markdown', 'out.md']);
    expect(got).toEqual({ opts: { quick: true, networks: ['lenet', 'resnet18'], backends: ['compiled', 'native'], torchThreads: [1, 2], torch: false }, json: true, markdown: 'out.md' });
  });

  it.each([
    [['--networks', 'alexnet'], /unknown network alexnet; choose from lenet, bn-lenet, resnet18, vgg-small/],
    [['--backends', 'gpu'], /unknown backend gpu/],
    [['--torch-threads', '0'], /--torch-threads takes whole numbers ≥ 1/],
    [['--markdown'], /--markdown needs a value/],
    [['--fast'], /unknown option --fast/],
  ])('rejects %j with a message naming the problem', (argv, message) => {
    const got = parseBenchArgs(argv);
    expect('error' in got && got.error).toMatch(message);
  });

  it.each([
    ['lenet', 'compiled', false], ['bn-lenet', 'native', true], ['resnet18', 'compiled', false], ['vgg-small', 'compiled', true], ['lenet', 'cpu', false],
  ] as const)('times %s on %s in several windows after a warm-up (quick: %s)', (network, backend, quick) => {
    const s = stepsFor(network, backend, quick);
    expect(s.windows).toBeGreaterThanOrEqual(backend === 'cpu' ? 1 : 2);
    expect(s.windowSteps).toBeGreaterThanOrEqual(1);
    if (backend !== 'cpu') expect(s.warmup).toBeGreaterThanOrEqual(1);
  });

  it('reads the thread count from a device line', () => {
    expect(threadsOf('cpu (oneDNN 2.6.3 (OpenMP), compiled step, 2 threads)')).toBe(2);
    expect(threadsOf('cpu (WebAssembly, 1 thread)')).toBe(1);
    expect(threadsOf('cpu (plain JavaScript, slow)')).toBeNull();
  });
});

describe('bench report', () => {
  it('renders one table per network with the ratio to the faster PyTorch, the share of the FP32 peak and the peak RSS', () => {
    const report: BenchReport = {
      date: '2026-12-01T12:00:00Z', machine: 'test machine', command: 'npm run bench', pytorch: { available: true }, profiles: {},
      load: { start: [0.5, 0.4, 0.3], end: [1, 0.8, 0.5] }, peak: [{ threads: 1, gflops: 70 }, { threads: 2, gflops: 138.5 }],
      results: [
        { network: 'LeNet', backend: 'pytorch', threads: 1, samples_per_s: 1000, pytorch_samples_per_s: 1200, ratio: 1000 / 1200, device: 'torch 1.13, 1 thread', peak_rss_mb: 300 },
        { network: 'LeNet', backend: 'compiled', threads: 2, samples_per_s: 3000, pytorch_samples_per_s: 1200, ratio: 2.5, device: 'cpu', median_step_ms: 42.7, windows: 7, window_steps: 20, peak_fraction: 0.213, peak_rss_mb: 250 },
        { network: 'ResNet-18@96', backend: 'wasm', threads: 1, samples_per_s: null, pytorch_samples_per_s: 30, ratio: null, note: 'not run: out of memory' },
      ],
    };
    const md = toMarkdown(report);
    expect(md).toContain('load average 0.5 / 0.4 / 0.3 at the start, 1.0 / 0.8 / 0.5 at the end');
    expect(md).toContain('1 thread 70.0 GFLOP/s, 2 threads 138.5 GFLOP/s');
    expect(md).toContain('**LeNet** (batch 128; median of timed windows)');
    expect(md).toContain('| pytorch | 1 | torch 1.13, 1 thread | 1,000 | – | – | 0.83× | – | 300 |');
    expect(md).toContain('| compiled | 2 | cpu | 3,000 | 42.7 | 7 × 20 | 2.50× | 21% | 250 |');
    expect(md).toContain('| wasm | 1 | not run: out of memory | – | – | – | – | – | – |');
  });
});
