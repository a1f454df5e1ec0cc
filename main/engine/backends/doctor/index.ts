/**
 * `convstudio doctor` and the Training panel's GPU check: gathers what this machine has (NVIDIA's
 * stack, the Vulkan pieces, the installed packages), asks Dawn and TensorFlow in probe processes
 * which device they would use, and hands the facts to ./diagnose.ts.
 */

import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DoctorReport } from '../../../../shared/api';
import { moduleDir } from '../../../common/module-dir';
import { listBackends } from '../index';
import { ICD_ENV, findSwiftShader, packageDir, runningInElectron } from '../webgpu/dawn';
import { deviceLine } from '../../../engine-core/webgpu/adapter';
import { gatherCudaFacts, librarySearchDirs } from './cuda';
import { diagnose, type DoctorFacts, type WebgpuSeen } from './diagnose';
import type { ProbeOutput } from './probe';
import { gatherVulkanFacts } from './vulkan';

export interface DoctorOptions {
  /** Run the probe processes (Dawn, libtensorflow). The desktop app's main process cannot host Dawn and does not fork tsx. */
  probes?: boolean;
  /** Per probe process; a driver that hangs must not hang the doctor. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const here = () => moduleDir(import.meta.url);

function probeEntry(): string | null {
  for (const name of ['probe.ts', 'probe.js', 'probe.cjs', 'probe.mjs']) {
    const p = path.join(here(), name);
    if (existsSync(p)) return p;
  }
  return null;
}

function tsxLoader(): string {
  const req = createRequire(import.meta.url);
  return pathToFileURL(path.join(path.dirname(req.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
}

/**
 * Dawn reports an adapter it rejects only on stderr, as "Warning: <why>" followed by " - While
 * initializing adapter (backend=…)" and source locations; one line each, without the locations.
 */
export function dawnMessages(stderr: string): string[] {
  const out: string[] = [];
  const lines = stderr.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:Warning|Error):\s*(.+)$/.exec(lines[i].trim());
    if (!m) continue;
    const context = lines[i + 1]?.trim() ?? '';
    const backend = /^-\s*While initializing adapter \(backend=(?:BackendType::)?(\w+)\)/.exec(context)?.[1];
    out.push(backend ? `rejected a ${backend} adapter: ${m[1].replace(/\.$/, '')}` : m[1]);
  }
  return [...new Set(out)];
}

interface ProbeRun {
  output: ProbeOutput | null;
  stderr: string;
  error?: string;
}

function runProbe(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ProbeRun> {
  const entry = probeEntry();
  if (!entry) return Promise.resolve({ output: null, stderr: '', error: 'the probe is not part of this build' });
  return new Promise((resolve) => {
    const child = fork(entry, args, { env, execArgv: entry.endsWith('.ts') ? ['--import', tsxLoader()] : [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d; });
    child.stderr?.on('data', (d: Buffer) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ output: null, stderr, error: e.message }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      try {
        const parsed = line ? (JSON.parse(line) as ProbeOutput & { error?: string }) : null;
        if (parsed && !parsed.error) return resolve({ output: parsed, stderr });
        resolve({ output: null, stderr, error: parsed?.error ?? (signal ? `the probe did not answer within ${timeoutMs / 1000} s (a GPU driver hanging?)` : `the probe exited with code ${code}`) });
      } catch {
        resolve({ output: null, stderr, error: `the probe printed no answer (exit code ${code})` });
      }
    });
  });
}

function seen(run: ProbeRun): WebgpuSeen {
  const p = run.output?.webgpu;
  const messages = dawnMessages(run.stderr);
  if (!p) return { adapter: null, error: run.error ?? 'no answer', icd: null, messages };
  const a = p.adapter;
  return {
    adapter: a ? { name: a.name, device: deviceLine(a), software: a.software, maxBufferBytes: a.maxBufferBytes } : null,
    ...(p.error ? { error: p.error } : {}), icd: p.icd, messages,
  };
}

function version(pkg: string): string | null {
  const dir = packageDir(pkg);
  if (!dir) return null;
  try {
    return String(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown version';
  }
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const electron = runningInElectron();
  const probes = (opts.probes ?? true) && !electron;
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const gpuPackage = version('@tensorflow/tfjs-node-gpu');
  const cpuPackage = version('@tensorflow/tfjs-node');
  const versions = Object.fromEntries(['webgpu', '@tensorflow/tfjs-backend-webgpu'].map((p) => [p, version(p)]).filter(([, v]) => v)) as Record<string, string>;
  const missing = ['webgpu', '@tensorflow/tfjs-backend-webgpu'].filter((p) => !versions[p]);
  const cuda = process.platform === 'linux' || process.platform === 'win32' ? gatherCudaFacts({ env }) : null;
  const vulkan = process.platform === 'linux' ? gatherVulkanFacts({ libraryDirs: cuda?.searched ?? librarySearchDirs({ platform: 'linux', env }), env }) : null;

  const unchecked: string[] = [];
  let system: WebgpuSeen | null = null;
  let software: DoctorFacts['webgpu']['software'] = null;
  let tensorflowProbe: DoctorFacts['tensorflow']['probe'] = null;
  // The probes run while this process lists the CPU backends (which loads tfjs and the addon).
  const cpuBackends = listBackends();
  if (probes) {
    const wantTf = gpuPackage !== null || cpuPackage !== null;
    const swiftShader = env[ICD_ENV] ? null : findSwiftShader();
    const [main, soft] = await Promise.all([
      missing.length && !wantTf ? null : runProbe([...(missing.length ? [] : ['--webgpu']), ...(wantTf ? ['--tensorflow'] : [])], env, timeoutMs),
      swiftShader && !missing.length ? runProbe(['--webgpu'], { ...env, [ICD_ENV]: swiftShader }, timeoutMs) : null,
    ]);
    if (main && !missing.length) system = seen(main);
    if (soft && swiftShader) software = { ...seen(soft), manifest: swiftShader };
    if (main && wantTf) tensorflowProbe = main.output?.tensorflow ?? (main.error ? { onGpu: false, error: main.error } : null);
  } else {
    unchecked.push(electron
      ? 'which GPU WebGPU would use: the desktop app does not run Dawn (run convstudio doctor in a terminal)'
      : 'which GPU WebGPU would use (probes were not run)');
    if (gpuPackage) unchecked.push('whether TensorFlow finds CUDA once loaded: only a training run or convstudio doctor in a terminal loads it');
  }

  const facts: DoctorFacts = {
    platform: process.platform, arch: process.arch, node: process.versions.node, electron,
    tensorflow: { gpuPackage, cpuPackage, probe: tensorflowProbe },
    cuda, vulkan,
    webgpu: { missing, versions, system, software },
    cpuBackends: (await cpuBackends).filter((b) => ['native', 'wasm', 'cpu'].includes(b.name)),
  };
  return diagnose(facts, unchecked);
}
