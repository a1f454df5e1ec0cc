/**
 * `npm run bench` / `convstudio bench`: training throughput (samples/s at batch 128) of LeNet,
 * BN-LeNet, ResNet-18@96 and VGG-11 (small)@224 on every available backend — the compiled
 * native step first — each measured in a fresh process, next to PyTorch (main/bench/torch_bench.py)
 * with one thread and with every core, on the same graph, data, batch and optimizer, all in the
 * same run. Every figure is the median of several timed windows; each is also given as a
 * fraction of the machine's FP32 peak (an sgemm probe in the same run) and with its process's
 * peak RSS. Also RSS across full LeNet epochs and per-primitive profiles of the compiled step.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleDir } from '../common/module-dir';
import { networkSpec, type NetworkId } from './networks';

export interface BenchOptions {
  networks: NetworkId[];
  /** Backends to try; those not available here are reported as skipped. */
  backends: string[];
  batch: number;
  /** Fewer windows everywhere (a smoke run; numbers are rougher). */
  quick: boolean;
  torch: boolean;
  /** PyTorch thread counts to time (default: 1 and every core). */
  torchThreads: number[];
  memory: boolean;
  profile: boolean;
  dataDir: string;
  python: string;
  log: (line: string) => void;
}

export interface BenchRow {
  network: string;
  backend: string;
  threads: number | null;
  samples_per_s: number | null;
  /** The faster of the PyTorch runs of this network, and this row's ratio to it. */
  pytorch_samples_per_s: number | null;
  ratio: number | null;
  /** Training FLOP/s (6 × forward MACs per sample) over the sgemm probe's peak at this row's thread count. */
  peak_fraction?: number | null;
  peak_rss_mb?: number;
  device?: string;
  median_step_ms?: number;
  windows?: number;
  window_steps?: number;
  /** Load average when the measurement started. */
  load?: number;
  note?: string;
}

export interface BenchReport {
  date: string;
  machine: string;
  command: string;
  load: { start: number[]; end?: number[] };
  peak: { threads: number; gflops: number }[];
  results: BenchRow[];
  pytorch: { available: boolean; note?: string; version?: string; cuda?: boolean };
  memory?: unknown;
  profiles: Record<string, { name: string; ms: number; calls: number }[]>;
  shapes?: { title: string; markdown: string; json: unknown };
}

const HERE = moduleDir(import.meta.url);

const CORES = os.availableParallelism?.() ?? os.cpus().length;

export const DEFAULTS: BenchOptions = {
  networks: ['lenet', 'bn-lenet', 'resnet18', 'vgg-small'],
  backends: ['tensorflow', 'compiled', 'native', 'wasm', 'cpu'],
  batch: 128,
  quick: false,
  torch: true,
  torchThreads: [...new Set([1, CORES])],
  memory: true,
  profile: true,
  dataDir: '/usr/share/datasets/fashion-mnist',
  python: '/usr/bin/python3',
  log: (line) => console.error(line),
};

export const ALL_NETWORKS: readonly NetworkId[] = ['lenet', 'bn-lenet', 'resnet18', 'vgg-small'];
export const ALL_BACKENDS: readonly string[] = ['tensorflow', 'compiled', 'native', 'wasm', 'cpu'];

/**
 * Backends measured only when named (`--backends webgpu,tensorflow`): without a GPU, webgpu has
 * no adapter (or a software one) and the row would only say so.
 */
export const GPU_ONLY_BACKENDS: readonly string[] = ['webgpu'];
const ACCEPTED_BACKENDS = [...ALL_BACKENDS, ...GPU_ONLY_BACKENDS];

/** Warm-up steps, timed windows and steps per window, by network and backend speed. */
export function stepsFor(network: NetworkId, backend: string, quick: boolean): { warmup: number; windows: number; windowSteps: number } {
  // The first steps on a GPU compile its shaders; two keep that out of the timed ones.
  if (backend === 'webgpu' || backend === 'tensorflow') {
    const s = stepsFor(network, 'native', quick);
    return { ...s, warmup: Math.max(2, s.warmup) };
  }
  const small = network === 'lenet' || network === 'bn-lenet';
  if (backend === 'cpu') return { warmup: 0, windows: quick ? 1 : 2, windowSteps: 1 };
  if (backend === 'wasm') return small ? { warmup: 2, windows: quick ? 2 : 3, windowSteps: 4 } : { warmup: 1, windows: 1, windowSteps: 1 };
  // LeNet steps take milliseconds: V8 needs a few dozen of them to optimise tfjs's JavaScript.
  if (small) return { warmup: 30, windows: quick ? 3 : 7, windowSteps: 20 };
  if (network === 'resnet18') return { warmup: quick ? 1 : 2, windows: quick ? 2 : 5, windowSteps: quick ? 1 : 2 };
  return { warmup: 1, windows: quick ? 2 : 5, windowSteps: 1 };
}

function machine(): string {
  const r = spawnSync('lscpu', [], { encoding: 'utf8' });
  const model = /Model name:\s*(.+)/.exec(r.stdout ?? '')?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU';
  const flags = /Flags:\s*(.+)/.exec(r.stdout ?? '')?.[1] ?? '';
  const isa = flags.includes('avx512f') ? 'AVX-512' : flags.includes('avx2') ? 'AVX2' : 'SSE';
  return `${model}, ${os.cpus().length} cores (${isa}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}`;
}

function tsxLoader(): string {
  const req = createRequire(path.join(HERE, 'noop.js'));
  return pathToFileURL(path.join(path.dirname(req.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
}

/** Runs a command and returns the last JSON line it printed (or an error). */
function runJson(cmd: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<Record<string, any>> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => { clearTimeout(timer); resolve({ error: `${cmd} could not start: ${e.message}` }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (line) {
        try {
          resolve(JSON.parse(line));
          return;
        } catch { /* fall through */ }
      }
      resolve({ error: signal ? `killed by ${signal} (timeout ${timeoutMs / 1000}s)` : `exited ${code}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

function childArgs(network: NetworkId, backend: string, opts: BenchOptions, extra: string[]): string[] {
  const s = stepsFor(network, backend, opts.quick);
  return ['--import', tsxLoader(), path.join(HERE, 'step-child.ts'), '--network', network, '--backend', backend,
    '--warmup', String(s.warmup), '--windows', String(s.windows), '--window-steps', String(s.windowSteps),
    '--batch', String(opts.batch), '--data-dir', opts.dataDir, ...extra];
}

function torchAvailable(python: string): { available: boolean; note?: string; version?: string; cuda?: boolean } {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__, torch.cuda.is_available())'], { encoding: 'utf8' });
  if (r.error) return { available: false, note: `${python} not found: PyTorch comparison skipped (apt-get install -y python3-torch libopenblas0-pthread)` };
  if (r.status !== 0) return { available: false, note: `torch is not importable by ${python}: PyTorch comparison skipped (apt-get install -y python3-torch libopenblas0-pthread)` };
  const [version, cuda] = r.stdout.trim().split(' ');
  return { available: true, version, cuda: cuda === 'True' };
}

async function availableBackends(wanted: string[], log: (l: string) => void): Promise<string[]> {
  const { listBackends } = await import('../engine/backends/index');
  const all = await listBackends();
  return wanted.filter((name) => {
    if (name === 'compiled') {
      const native = all.find((x) => x.name === 'native');
      if (native?.available) return true;
      log(`backend compiled: skipped (${native?.note ?? 'the native addon is not available'})`);
      return false;
    }
    const b = all.find((x) => x.name === name);
    if (b?.available) return true;
    log(`backend ${name}: skipped (${b?.note ?? 'unknown backend'})`);
    return false;
  });
}

/** The thread count a device line names ("…, 2 threads)"). */
export function threadsOf(device: string | undefined): number | null {
  const m = /(\d+) threads?\)/.exec(device ?? '');
  return m ? Number(m[1]) : null;
}

export async function runBench(partial: Partial<BenchOptions> = {}): Promise<BenchReport> {
  const opts: BenchOptions = { ...DEFAULTS, ...partial };
  const log = opts.log;
  const report: BenchReport = {
    date: new Date().toISOString(), machine: machine(), command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    load: { start: os.loadavg() }, peak: [],
    results: [], pytorch: opts.torch ? torchAvailable(opts.python) : { available: false, note: 'disabled (--no-torch)' }, profiles: {},
  };
  if (!report.pytorch.available) log(`PyTorch: ${report.pytorch.note}`);
  const backends = await availableBackends(opts.backends, log);
  const probeThreads = [...new Set([1, CORES, ...opts.torchThreads])].sort((a, b) => a - b);
  if (backends.includes('compiled') || backends.includes('native')) {
    for (const t of probeThreads) {
      const r = await runJson(process.execPath, ['--import', tsxLoader(), path.join(HERE, 'step-child.ts'), '--probe', 'sgemm', '--size', '2048'], 10 * 60_000, { OMP_NUM_THREADS: String(t) });
      if (r.error) log(`sgemm probe (${t} threads) failed: ${r.error}`);
      else {
        report.peak.push({ threads: r.threads, gflops: r.gflops });
        log(`sgemm probe: ${r.threads} thread(s), ${r.gflops.toFixed(1)} GFLOP/s (oneDNN matmul 2048³, best of 7)`);
      }
    }
  }
  const peakAt = (threads: number | null) => report.peak.find((p) => p.threads === threads)?.gflops ?? null;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-bench-'));
  try {
    for (const network of opts.networks) {
      const spec = networkSpec(network);
      const flopsPerSample = 6 * spec.macs;
      const fraction = (rate: number | null, threads: number | null) => {
        const peak = peakAt(threads);
        return rate && peak ? (rate * flopsPerSample) / (peak * 1e9) : null;
      };
      const torchRows: BenchRow[] = [];
      if (report.pytorch.available) {
        for (const threads of opts.torchThreads) {
          const s = stepsFor(network, 'compiled', opts.quick);
          const specFile = path.join(tmp, `${network}-${threads}.json`);
          writeFileSync(specFile, JSON.stringify({ network, batch: opts.batch, ...s, window_steps: s.windowSteps, threads, lr: 0.1, size: spec.size, data_dir: opts.dataDir, nodes: spec.nodes }));
          log(`${spec.label}: pytorch (${threads} thread${threads === 1 ? '' : 's'}), ${s.warmup} + ${s.windows}×${s.windowSteps} steps ...`);
          const load = os.loadavg()[0];
          const r = await runJson(opts.python, [path.join(HERE, 'torch_bench.py'), specFile], 60 * 60_000);
          if (r.error) {
            log(`  pytorch failed: ${r.error}`);
            torchRows.push({ network: spec.label, backend: 'pytorch', threads, samples_per_s: null, pytorch_samples_per_s: null, ratio: null, note: `failed: ${r.error}`, load });
            continue;
          }
          if (r.params !== spec.params) log(`  warning: PyTorch counts ${r.params} parameters, the shape engine ${spec.params}`);
          log(`  ${Math.round(r.samples_per_s)} samples/s (median window: ${r.median_step_ms.toFixed(1)} ms/step), peak RSS ${r.peak_rss_mb} MB`);
          torchRows.push({
            network: spec.label, backend: 'pytorch', threads, samples_per_s: r.samples_per_s, pytorch_samples_per_s: null, ratio: null,
            device: `torch ${r.torch}, ${threads} thread${threads === 1 ? '' : 's'}`, median_step_ms: r.median_step_ms, windows: r.windows, window_steps: r.window_steps,
            peak_rss_mb: r.peak_rss_mb, peak_fraction: fraction(r.samples_per_s, threads), load,
          });
        }
      }
      const best = Math.max(0, ...torchRows.map((r) => r.samples_per_s ?? 0)) || null;
      for (const r of torchRows) {
        r.pytorch_samples_per_s = best;
        r.ratio = r.samples_per_s && best ? r.samples_per_s / best : null;
      }
      report.results.push(...torchRows);
      // A GPU backend is compared with PyTorch on the GPU, measured in the same run.
      let torchGpuRate: number | null = null;
      if (report.pytorch.cuda && backends.some((b) => b === 'webgpu' || b === 'tensorflow')) {
        const s = stepsFor(network, 'webgpu', opts.quick);
        const specFile = path.join(tmp, `${network}-cuda.json`);
        writeFileSync(specFile, JSON.stringify({ network, batch: opts.batch, ...s, window_steps: s.windowSteps, lr: 0.1, size: spec.size, data_dir: opts.dataDir, nodes: spec.nodes, device: 'cuda' }));
        log(`${spec.label}: pytorch (CUDA), ${s.warmup} + ${s.windows}×${s.windowSteps} steps ...`);
        const r = await runJson(opts.python, [path.join(HERE, 'torch_bench.py'), specFile], 30 * 60_000);
        if (r.error) log(`  pytorch (CUDA) failed: ${r.error}`);
        else {
          torchGpuRate = r.samples_per_s;
          log(`  ${Math.round(r.samples_per_s)} samples/s (median window: ${r.median_step_ms.toFixed(1)} ms/step)`);
        }
        report.results.push({
          network: spec.label, backend: 'pytorch-cuda', threads: null, samples_per_s: torchGpuRate, pytorch_samples_per_s: torchGpuRate, ratio: torchGpuRate ? 1 : null,
          ...(r.error ? { note: `failed: ${r.error}` } : { device: `gpu: ${r.device} (CUDA)`, median_step_ms: r.median_step_ms, windows: r.windows, window_steps: r.window_steps }),
        });
      }
      for (const backend of backends) {
        if (backend === 'cpu' && network !== 'lenet') continue; // ~10 samples/s: only LeNet is measurable
        if (backend === 'wasm' && (network === 'resnet18' || network === 'vgg-small')) {
          report.results.push({ network: spec.label, backend, threads: 1, samples_per_s: null, pytorch_samples_per_s: best, ratio: null, note: 'not run: its 4 GB WebAssembly heap does not hold this network at batch 128' });
          continue;
        }
        const s = stepsFor(network, backend, opts.quick);
        log(`${spec.label}: ${backend}, ${s.warmup} + ${s.windows}×${s.windowSteps} steps ...`);
        const profile = opts.profile && backend === 'compiled' && network !== 'vgg-small' ? ['--profile'] : [];
        const load = os.loadavg()[0];
        const r = await runJson(process.execPath, childArgs(network, backend, opts, profile), 60 * 60_000);
        if (r.error) {
          log(`  failed: ${r.error}`);
          report.results.push({ network: spec.label, backend, threads: null, samples_per_s: null, pytorch_samples_per_s: best, ratio: null, note: `failed: ${r.error}`, load });
          continue;
        }
        const threads = threadsOf(r.device);
        const onGpu = /^gpu/.test(String(r.device)) && torchGpuRate !== null;
        const ref = onGpu ? torchGpuRate : best;
        const ratio = ref ? r.samples_per_s / ref : null;
        log(`  ${Math.round(r.samples_per_s)} samples/s (median window: ${r.median_step_ms.toFixed(1)} ms/step)${ratio ? `, ${ratio.toFixed(2)}× ${onGpu ? 'PyTorch on CUDA' : 'the faster PyTorch'}` : ''}, peak RSS ${r.peak_rss_mb} MB`);
        report.results.push({
          network: spec.label, backend: r.backend, threads, samples_per_s: r.samples_per_s, pytorch_samples_per_s: ref, ratio, device: r.device,
          median_step_ms: r.median_step_ms, windows: r.windows, window_steps: r.window_steps, peak_rss_mb: r.peak_rss_mb,
          peak_fraction: fraction(r.samples_per_s, threads), load,
        });
        if (r.profile) report.profiles[`${spec.label} / ${r.backend}`] = r.profile;
      }
    }
    if (opts.memory && opts.networks.includes('lenet')) {
      const backend = backends.find((b) => b !== 'cpu');
      if (backend) {
        const epochs = opts.quick ? 2 : 3;
        const samples = opts.quick ? 12800 : 60000;
        log(`LeNet memory: ${backend}, ${epochs} epochs of ${samples} samples ...`);
        const r = await runJson(process.execPath, [...childArgs('lenet', backend, { ...opts, quick: true }, []), '--memory-epochs', String(epochs), '--memory-samples', String(samples)], 60 * 60_000);
        report.memory = r.error ? { backend, error: r.error } : { backend, ...r.memory };
        log(r.error ? `  failed: ${r.error}` : `  RSS per epoch ${r.memory.rss_mb_per_epoch.join(', ')} MB; peak ${r.memory.peak_rss_mb} MB`);
      }
    }
    const shapesFile = path.join(HERE, 'shapes.ts');
    if (existsSync(shapesFile)) {
      const mod = await import(pathToFileURL(shapesFile).href);
      if (typeof mod.benchShapes === 'function') report.shapes = await mod.benchShapes();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  report.load.end = os.loadavg();
  return report;
}

const fmt = (v: number | null | undefined, digits = 0) => (v == null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** The report as Markdown tables (one per network), for docs/benchmarks/. */
export function toMarkdown(r: BenchReport): string {
  const loads = `load average ${r.load.start.map((l) => l.toFixed(1)).join(' / ')} at the start${r.load.end ? `, ${r.load.end.map((l) => l.toFixed(1)).join(' / ')} at the end` : ''} (1 / 5 / 15 min)`;
  const lines = [`Command: \`${r.command}\` — ${r.date}`, `Machine: ${r.machine}; ${loads}`, ''];
  if (r.peak.length) lines.push(`FP32 peak (sgemm probe, oneDNN matmul 2048³, best of 7): ${r.peak.map((p) => `${p.threads} thread${p.threads === 1 ? '' : 's'} ${p.gflops.toFixed(1)} GFLOP/s`).join(', ')}`, '');
  const networks = [...new Set(r.results.map((x) => x.network))];
  for (const n of networks) {
    lines.push(`**${n}** (batch ${DEFAULTS.batch}; median of timed windows)`, '',
      '| backend | threads | device | samples/s | ms/step | windows × steps | vs faster PyTorch | of FP32 peak | peak RSS (MB) |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const x of r.results.filter((y) => y.network === n)) {
      const windows = x.windows != null ? `${x.windows} × ${x.window_steps}` : '–';
      const peak = x.peak_fraction == null ? '–' : `${(100 * x.peak_fraction).toFixed(0)}%`;
      lines.push(`| ${x.backend} | ${x.threads ?? '–'} | ${x.device ?? x.note ?? ''} | ${fmt(x.samples_per_s)} | ${fmt(x.median_step_ms, 1)} | ${windows} | ${x.ratio == null ? '–' : `${x.ratio.toFixed(2)}×`} | ${peak} | ${x.peak_rss_mb ?? '–'} |`);
    }
    lines.push('');
  }
  if (r.memory) lines.push('**Memory (LeNet epochs)**', '', '```json', JSON.stringify(r.memory), '```', '');
  for (const [k, prof] of Object.entries(r.profiles)) {
    // Names ending in __op are op wrappers around kernels listed separately: not counted twice.
    const kernels = prof.filter((p) => !p.name.endsWith('__op'));
    const total = kernels.reduce((a, b) => a + b.ms, 0);
    lines.push(`**Profile: ${k}** (mean of 5 steps, each primitive timed on its own; ${total.toFixed(1)} ms/step)`, '', '| primitive [implementation] | ms/step | share | calls/step |', '|---|---:|---:|---:|');
    for (const p of kernels.slice(0, 15)) lines.push(`| ${p.name} | ${p.ms.toFixed(2)} | ${((100 * p.ms) / total).toFixed(0)}% | ${p.calls.toFixed(0)} |`);
    lines.push('');
  }
  if (r.shapes) lines.push(`**${r.shapes.title}**`, '', r.shapes.markdown, '');
  return lines.join('\n');
}

/** Shared by `npm run bench` and `convstudio bench`. */
export function parseBenchArgs(argv: string[]): { opts: Partial<BenchOptions>; json: boolean; markdown: string | null } | { error: string } | { help: true } {
  const opts: Partial<BenchOptions> = {};
  let json = false;
  let markdown: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--json') json = true;
      else if (a === '--quick') opts.quick = true;
      else if (a === '--no-torch') opts.torch = false;
      else if (a === '--no-memory') opts.memory = false;
      else if (a === '--no-profile') opts.profile = false;
      else if (a === '--markdown') markdown = value();
      else if (a === '--data-dir') opts.dataDir = value();
      else if (a === '--python') opts.python = value();
      else if (a === '--torch-threads') {
        const list = value().split(',').map((s) => Number(s.trim()));
        if (list.some((t) => !Number.isInteger(t) || t < 1)) return { error: '--torch-threads takes whole numbers ≥ 1, e.g. 1,2' };
        opts.torchThreads = list;
      } else if (a === '--networks' || a === '--backends') {
        const list = value().split(',').map((s) => s.trim()).filter(Boolean);
        if (a === '--networks') {
          const bad = list.filter((n) => !ALL_NETWORKS.includes(n as NetworkId));
          if (bad.length) return { error: `unknown network ${bad.join(', ')}; choose from ${ALL_NETWORKS.join(', ')}` };
          opts.networks = list as NetworkId[];
        } else {
          const bad = list.filter((n) => !ACCEPTED_BACKENDS.includes(n));
          if (bad.length) return { error: `unknown backend ${bad.join(', ')}; choose from ${ACCEPTED_BACKENDS.join(', ')}` };
          opts.backends = list;
        }
      } else if (a === '--help' || a === '-h') return { help: true };
      else return { error: `unknown option ${a}` };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  return { opts, json, markdown };
}

export const BENCH_USAGE = `usage: npm run bench -- [options]   (or: convstudio bench [options])
  --json                 print the whole report as JSON ({"results": [{network, backend, threads, samples_per_s, ratio, ...}], ...})
  --networks a,b         of ${ALL_NETWORKS.join(', ')} (default: all)
  --backends a,b         of ${ACCEPTED_BACKENDS.join(', ')} (default: every available one
                         but ${GPU_ONLY_BACKENDS.join(', ')}; on a GPU: --backends webgpu,tensorflow, docs/GPU.md)
  --torch-threads 1,N    PyTorch thread counts to time (default: 1 and every core)
  --quick                fewer windows (a smoke run)
  --markdown FILE        also write the tables as Markdown
  --no-torch | --no-memory | --no-profile
  --data-dir DIR         Fashion-MNIST *.gz (default ${DEFAULTS.dataDir})
  --python PATH          python with torch (default ${DEFAULTS.python})`;

/** The CLI body: returns the exit code. */
export async function benchMain(argv: string[]): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if ('help' in parsed) {
    console.log(BENCH_USAGE);
    return 0;
  }
  if ('error' in parsed) {
    console.error(`bench: ${parsed.error}\n\n${BENCH_USAGE}`);
    return 2;
  }
  const report = await runBench(parsed.opts);
  const md = toMarkdown(report);
  if (parsed.markdown) writeFileSync(parsed.markdown, md);
  if (parsed.json) console.log(JSON.stringify(report));
  else console.log(md);
  return report.results.some((r) => r.samples_per_s != null) ? 0 : 1;
}
