/**
 * `npm run bench` / `convstudio bench`: training-step throughput (samples/s at batch 128) of
 * LeNet, ResNet-18@96 and VGG-small@224 on every available backend, each measured in a fresh
 * process, with PyTorch (one thread, bench/torch_bench.py) on the same graph, data, batch size
 * and optimiser measured back to back in the same run. Also RSS across LeNet epochs on the
 * fastest backend, and the per-kernel profile of one step.
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
  /** Fewer steps everywhere (a smoke run; numbers are rougher). */
  quick: boolean;
  torch: boolean;
  memory: boolean;
  profile: boolean;
  dataDir: string;
  python: string;
  log: (line: string) => void;
}

export interface BenchRow {
  network: string;
  backend: string;
  samples_per_s: number | null;
  pytorch_samples_per_s: number | null;
  ratio: number | null;
  device?: string;
  median_step_ms?: number;
  steps?: number;
  note?: string;
}

export interface BenchReport {
  date: string;
  machine: string;
  command: string;
  results: BenchRow[];
  pytorch: { available: boolean; note?: string; version?: string; cuda?: boolean };
  memory?: unknown;
  profiles: Record<string, { name: string; ms: number; calls: number }[]>;
  shapes?: { title: string; markdown: string; json: unknown };
}

const HERE = moduleDir(import.meta.url);

export const DEFAULTS: BenchOptions = {
  networks: ['lenet', 'resnet18', 'vgg-small'],
  backends: ['tensorflow', 'native', 'wasm', 'cpu'],
  batch: 128,
  quick: false,
  torch: true,
  memory: true,
  profile: true,
  dataDir: '/usr/share/datasets/fashion-mnist',
  python: '/usr/bin/python3',
  log: (line) => console.error(line),
};

/**
 * Backends measured only when named (`--backends webgpu,tensorflow`): without a GPU, webgpu has
 * no adapter (or a software one) and the row would only say so.
 */
export const GPU_ONLY_BACKENDS = ['webgpu'];
const ACCEPTED_BACKENDS = [...DEFAULTS.backends, ...GPU_ONLY_BACKENDS];

/** [warmup, timed steps] per network and backend speed class; slow backends get fewer steps. */
function stepsFor(network: NetworkId, backend: string, quick: boolean): [number, number] {
  if (backend === 'cpu') return [0, quick ? 1 : 2];
  // The first steps on a GPU compile its shaders; two keep that out of the timed ones.
  if (backend === 'webgpu') {
    const [w, s] = stepsFor(network, 'native', quick);
    return [Math.max(2, w), s];
  }
  const slow = backend === 'wasm';
  const table: Record<NetworkId, [number, number]> = {
    // LeNet steps are ~10 ms: V8 needs a few dozen of them to optimise tfjs's JavaScript, so the
    // warm-up is longer (an epoch is 469 steps; the steady state is what training runs at).
    lenet: slow ? [2, 10] : [30, 100],
    resnet18: slow ? [1, 2] : [1, 5],
    'vgg-small': slow ? [1, 1] : [1, 3],
  };
  const [w, s] = table[network];
  // Fast backends keep their warm-up in quick runs: the first steps build oneDNN primitives.
  return quick ? [network === 'lenet' ? w : Math.min(w, 1), Math.max(1, Math.ceil(s / 4))] : [w, s];
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
function runJson(cmd: string, args: string[], timeoutMs: number): Promise<Record<string, any>> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const [warmup, steps] = stepsFor(network, backend, opts.quick);
  return ['--import', tsxLoader(), path.join(HERE, 'step-child.ts'), '--network', network, '--backend', backend,
    '--warmup', String(warmup), '--steps', String(steps), '--batch', String(opts.batch), '--data-dir', opts.dataDir, ...extra];
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
    const b = all.find((x) => x.name === name);
    if (b?.available) return true;
    log(`backend ${name}: skipped (${b?.note ?? 'unknown backend'})`);
    return false;
  });
}

export async function runBench(partial: Partial<BenchOptions> = {}): Promise<BenchReport> {
  const opts: BenchOptions = { ...DEFAULTS, ...partial };
  const log = opts.log;
  const report: BenchReport = {
    date: new Date().toISOString(), machine: machine(), command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    results: [], pytorch: opts.torch ? torchAvailable(opts.python) : { available: false, note: 'disabled (--no-torch)' }, profiles: {},
  };
  if (!report.pytorch.available) log(`PyTorch: ${report.pytorch.note}`);
  const backends = await availableBackends(opts.backends, log);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-bench-'));
  try {
    for (const network of opts.networks) {
      const spec = networkSpec(network);
      let torchRate: number | null = null;
      if (report.pytorch.available) {
        const [warmup, steps] = stepsFor(network, 'native', opts.quick);
        const specFile = path.join(tmp, `${network}.json`);
        writeFileSync(specFile, JSON.stringify({ network, batch: opts.batch, warmup, steps, lr: 0.1, size: spec.size, data_dir: opts.dataDir, nodes: spec.nodes }));
        log(`${spec.label}: pytorch (1 thread), ${warmup}+${steps} steps ...`);
        const r = await runJson(opts.python, [path.join(HERE, 'torch_bench.py'), specFile], 30 * 60_000);
        if (r.error) log(`  pytorch failed: ${r.error}`);
        else {
          torchRate = r.samples_per_s;
          if (r.params !== spec.params) log(`  warning: PyTorch counts ${r.params} parameters, the shape engine ${spec.params}`);
          log(`  ${Math.round(r.samples_per_s)} samples/s (median step ${r.median_step_ms.toFixed(1)} ms)`);
        }
        report.results.push({ network: spec.label, backend: 'pytorch', samples_per_s: torchRate, pytorch_samples_per_s: torchRate, ratio: torchRate ? 1 : null, note: r.error ? `failed: ${r.error}` : `torch ${r.torch}, 1 thread`, ...(r.error ? {} : { median_step_ms: r.median_step_ms, steps: r.steps }) });
      }
      // A GPU backend is compared with PyTorch on the GPU, measured in the same run.
      let torchGpuRate: number | null = null;
      if (report.pytorch.cuda && backends.some((b) => b === 'webgpu' || b === 'tensorflow')) {
        const [warmup, steps] = stepsFor(network, 'webgpu', opts.quick);
        const specFile = path.join(tmp, `${network}-cuda.json`);
        writeFileSync(specFile, JSON.stringify({ network, batch: opts.batch, warmup, steps, lr: 0.1, size: spec.size, data_dir: opts.dataDir, nodes: spec.nodes, device: 'cuda' }));
        log(`${spec.label}: pytorch (CUDA), ${warmup}+${steps} steps ...`);
        const r = await runJson(opts.python, [path.join(HERE, 'torch_bench.py'), specFile], 30 * 60_000);
        if (r.error) log(`  pytorch (CUDA) failed: ${r.error}`);
        else {
          torchGpuRate = r.samples_per_s;
          log(`  ${Math.round(r.samples_per_s)} samples/s (median step ${r.median_step_ms.toFixed(1)} ms)`);
        }
        report.results.push({ network: spec.label, backend: 'pytorch-cuda', samples_per_s: torchGpuRate, pytorch_samples_per_s: torchGpuRate, ratio: torchGpuRate ? 1 : null, note: r.error ? `failed: ${r.error}` : `torch ${r.torch}, ${r.device}`, ...(r.error ? {} : { device: `gpu: ${r.device} (CUDA)`, median_step_ms: r.median_step_ms, steps: r.steps }) });
      }
      for (const backend of backends) {
        if (backend === 'cpu' && network !== 'lenet') continue; // ~9 samples/s: only LeNet is measurable
        const [warmup, steps] = stepsFor(network, backend, opts.quick);
        log(`${spec.label}: ${backend}, ${warmup}+${steps} steps ...`);
        const profile = opts.profile && backend === 'native' && network !== 'vgg-small' ? ['--profile'] : [];
        const r = await runJson(process.execPath, childArgs(network, backend, opts, profile), 60 * 60_000);
        if (r.error) {
          log(`  failed: ${r.error}`);
          report.results.push({ network: spec.label, backend, samples_per_s: null, pytorch_samples_per_s: torchRate, ratio: null, note: `failed: ${r.error}` });
          continue;
        }
        const onGpu = /^gpu/.test(String(r.device)) && torchGpuRate !== null;
        const ref = onGpu ? torchGpuRate : torchRate;
        const ratio = ref ? r.samples_per_s / ref : null;
        log(`  ${Math.round(r.samples_per_s)} samples/s (median step ${r.median_step_ms.toFixed(1)} ms)${ratio ? `, ${ratio.toFixed(2)}x PyTorch${onGpu ? ' on CUDA' : ''}` : ''}`);
        report.results.push({ network: spec.label, backend: r.backend, samples_per_s: r.samples_per_s, pytorch_samples_per_s: ref, ratio, device: r.device, median_step_ms: r.median_step_ms, steps: r.steps });
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
  return report;
}

const fmt = (v: number | null | undefined, digits = 0) => (v == null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** The report as Markdown tables (one per network), for docs/benchmarks/. */
export function toMarkdown(r: BenchReport): string {
  const lines = [`Command: \`${r.command}\` — ${r.date}`, `Machine: ${r.machine}`, ''];
  const networks = [...new Set(r.results.map((x) => x.network))];
  for (const n of networks) {
    lines.push(`**${n}** (batch ${DEFAULTS.batch})`, '', '| backend | device | samples/s | median step (ms) | steps timed | PyTorch samples/s | ratio |', '|---|---|---:|---:|---:|---:|---:|');
    for (const x of r.results.filter((y) => y.network === n)) {
      lines.push(`| ${x.backend} | ${x.device ?? x.note ?? ''} | ${fmt(x.samples_per_s)} | ${fmt(x.median_step_ms, 1)} | ${x.steps ?? '–'} | ${fmt(x.pytorch_samples_per_s)} | ${x.ratio == null ? '–' : `${x.ratio.toFixed(2)}×`} |`);
    }
    lines.push('');
  }
  if (r.memory) lines.push('**Memory (LeNet epochs)**', '', '```json', JSON.stringify(r.memory), '```', '');
  for (const [k, prof] of Object.entries(r.profiles)) {
    // Names ending in __op are op wrappers around kernels listed separately: not counted twice.
    const kernels = prof.filter((p) => !p.name.endsWith('__op'));
    const total = kernels.reduce((a, b) => a + b.ms, 0);
    lines.push(`**Profile: ${k}** (tf.profile, mean of 5 steps, input gradients computed eagerly; kernels ${total.toFixed(1)} ms/step)`, '', '| kernel | ms/step | share | calls/step |', '|---|---:|---:|---:|');
    for (const p of kernels.slice(0, 15)) lines.push(`| ${p.name} | ${p.ms.toFixed(2)} | ${((100 * p.ms) / total).toFixed(0)}% | ${p.calls.toFixed(0)} |`);
    lines.push('');
  }
  if (r.shapes) lines.push(`**${r.shapes.title}**`, '', r.shapes.markdown, '');
  return lines.join('\n');
}

/** Shared by bench/run.ts and `convstudio bench`. */
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
      else if (a === '--networks' || a === '--backends') {
        const list = value().split(',').map((s) => s.trim()).filter(Boolean);
        if (a === '--networks') {
          const bad = list.filter((n) => !DEFAULTS.networks.includes(n as NetworkId));
          if (bad.length) return { error: `unknown network ${bad.join(', ')}; choose from ${DEFAULTS.networks.join(', ')}` };
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
  --json                 print {"results": [{network, backend, samples_per_s, pytorch_samples_per_s, ratio}], ...}
  --networks a,b         of ${DEFAULTS.networks.join(', ')} (default: all)
  --backends a,b         of ${ACCEPTED_BACKENDS.join(', ')} (default: every available one
                         but ${GPU_ONLY_BACKENDS.join(', ')}; on a GPU: --backends webgpu,tensorflow, docs/GPU.md)
  --quick                fewer steps (a smoke run)
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
