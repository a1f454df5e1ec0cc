/**
 * The GPU doctor: its verdicts from written-down machines (every reason tfjs-node-gpu falls back
 * to the CPU, every reason WebGPU finds no GPU), its library finder on real folders, and its
 * report on this very machine, through the real CLI, checked against what the machine has.
 */

import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { BackendInfo, DoctorReport } from '../../../../../../shared/api';
import { createNodeApi } from '../../../../../../main/api/node-api';
import { dispatch } from '../../../../../../main/api/dispatch';
import { gatherCudaFacts, type CudaFacts } from '../../../../../../main/engine/backends/doctor/cuda';
import { diagnose, type DoctorFacts, type WebgpuSeen } from '../../../../../../main/engine/backends/doctor/diagnose';
import { dawnMessages } from '../../../../../../main/engine/backends/doctor/index';
import { gatherVulkanFacts } from '../../../../../../main/engine/backends/doctor/vulkan';
import { formatDoctor } from '../../../../../../main/cli/doctor';

const ROOT = path.resolve(import.meta.dirname, '../../../../../..');

const CPU: BackendInfo[] = [
  { name: 'native', available: true, device: 'cpu (oneDNN, 2 threads)' },
  { name: 'wasm', available: true, device: 'cpu (WebAssembly, 1 thread)' },
  { name: 'cpu', available: true, device: 'cpu (plain JavaScript, slow)' },
];
const NO_CUDA: CudaFacts = { driver: null, cudart: [], cudnn: [], present: [], searched: [] };
const ALL_CUDA11 = ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'];
const GOOD_CUDA: CudaFacts = {
  driver: { version: '535.54.03', gpus: ['NVIDIA GeForce RTX 3060 Laptop GPU'] },
  cudart: [{ file: '/usr/local/cuda-11.2/lib64/libcudart.so.11.0', version: '11.2' }],
  cudnn: [{ file: '/usr/local/cuda-11.2/lib64/libcudnn.so.8', version: '8.1' }],
  present: ALL_CUDA11, searched: [],
};
const RTX: WebgpuSeen = { adapter: { name: 'NVIDIA GeForce RTX 3060 (nvidia ampere)', device: 'gpu: NVIDIA GeForce RTX 3060 (nvidia ampere) via WebGPU', software: false, maxBufferBytes: 2 ** 31 }, icd: null, messages: [] };
const NONE: WebgpuSeen = { adapter: null, error: 'WebGPU found no adapter (no GPU driver it can use)', icd: null, messages: [] };
const SWIFT: WebgpuSeen = { adapter: { name: 'SwiftShader driver 5.0.0 (google swiftshader)', device: 'software: SwiftShader … via WebGPU', software: true, maxBufferBytes: 2 ** 30 }, icd: null, messages: [] };
const VULKAN_OK = { loader: '/usr/lib/x86_64-linux-gnu/libvulkan.so.1', drivers: [{ manifest: '/usr/share/vulkan/icd.d/radeon_icd.x86_64.json', library: 'libvulkan_radeon.so', software: false }], gpuNodes: ['/dev/dri/renderD128'] };

function machine(over: Partial<DoctorFacts> & { tf?: Partial<DoctorFacts['tensorflow']>; gpu?: Partial<DoctorFacts['webgpu']> } = {}): DoctorFacts {
  const { tf, gpu, ...rest } = over;
  return {
    platform: 'linux', arch: 'x64', node: '20.19.0', electron: false,
    tensorflow: { gpuPackage: null, cpuPackage: null, probe: null, ...tf },
    cuda: NO_CUDA,
    webgpu: { missing: [], versions: { webgpu: '0.6.2' }, system: NONE, software: null, ...gpu },
    vulkan: VULKAN_OK,
    cpuBackends: CPU,
    ...rest,
  };
}

const problems = (r: DoctorReport, name: string) => r.backends.find((b) => b.name === name)!.problems.map((p) => `${p.problem} → ${p.fix}`).join('\n');
const row = (r: DoctorReport, name: string) => r.backends.find((b) => b.name === name)!;

describe('why tfjs-node-gpu would not use a GPU, and the fix', () => {
  it.each<[string, DoctorFacts, RegExp[]]>([
    ['a Mac: no macOS build at all', machine({ platform: 'darwin', arch: 'arm64', cuda: null }), [/no macOS build/, /webgpu backend \(Metal\)/]],
    ['Node 22: no prebuilt binary', machine({ node: '22.11.0', cuda: GOOD_CUDA }), [/Node 22\.11\.0: tfjs-node 4\.22 has no prebuilt binary .*tfjs#8611/, /Node 20 LTS/]],
    ['Linux on arm64', machine({ arch: 'arm64', cuda: GOOD_CUDA }), [/x64 only \(this is arm64\)/]],
    ['no NVIDIA driver', machine(), [/no NVIDIA driver found/, /AMD, Intel or Apple GPU use the webgpu backend/]],
    ['a driver too old for CUDA 11', machine({ cuda: { ...GOOD_CUDA, driver: { version: '418.67', gpus: [] } } }), [/418\.67 is older than CUDA 11 needs \(450\.80\.02/, /update the NVIDIA driver/]],
    ['CUDA 13 only (this build machine\'s case)', machine({ cuda: { ...GOOD_CUDA, cudart: [{ file: '/usr/local/cuda-13.0/lib/libcudart.so.13', version: '13.0' }], present: [] } }),
      [/found CUDA 13\.0, but TensorFlow 2\.9 needs CUDA 11\.2 \(libcudart\.so\.11\.0\): other major releases are not compatible/, /install the CUDA 11\.2 toolkit .*LD_LIBRARY_PATH/]],
    ['no CUDA runtime at all', machine({ cuda: { ...GOOD_CUDA, cudart: [], present: ['libcudnn.so.8'] } }), [/no CUDA runtime found; TensorFlow 2\.9 needs CUDA 11\.2/]],
    ['the CUDA runtime without its libraries', machine({ cuda: { ...GOOD_CUDA, present: ['libcudart.so.11.0', 'libcudnn.so.8'] } }), [/libcublas\.so\.11, libcublasLt\.so\.11, libcufft\.so\.10.* not found/, /whole CUDA 11\.2 toolkit/]],
    ['cuDNN 9 instead of 8', machine({ cuda: { ...GOOD_CUDA, cudnn: [{ file: '/usr/lib/x86_64-linux-gnu/libcudnn.so.9', version: '9.1' }] } }), [/found cuDNN 9\.1, but TensorFlow 2\.9 needs cuDNN 8\.1 \(libcudnn\.so\.8\)/]],
    ['Windows with CUDA 12', machine({ platform: 'win32', cuda: { ...GOOD_CUDA, cudart: [{ file: 'C:\\CUDA\\v12.4\\bin\\cudart64_12.dll', version: '12.4' }], present: [] } }), [/needs CUDA 11\.2 \(cudart64_110\.dll\)/, /bin folder on PATH/]],
    ['everything found, but TensorFlow still ran on the CPU', machine({ cuda: GOOD_CUDA, tf: { gpuPackage: '4.22.0', probe: { onGpu: false } } }), [/did not use the GPU although the libraries above were found/, /TF_CPP_MIN_LOG_LEVEL=0/]],
    ['nothing in the way, just not installed', machine({ cuda: GOOD_CUDA }), [/not installed, though nothing here stops it/, /npm install @tensorflow\/tfjs-node-gpu/]],
  ])('%s', (_t, facts, want) => {
    const r = diagnose(facts);
    expect(row(r, 'tensorflow').gpu).toBe(false);
    for (const w of want) expect(problems(r, 'tensorflow')).toMatch(w);
  });

  it('a working tfjs-node-gpu: on the GPU, no problems, and auto takes it', () => {
    const r = diagnose(machine({ cuda: GOOD_CUDA, tf: { gpuPackage: '4.22.0', probe: { onGpu: true } }, gpu: { system: RTX } }));
    expect(row(r, 'tensorflow')).toMatchObject({ gpu: true, problems: [], device: 'gpu (CUDA: NVIDIA GeForce RTX 3060 Laptop GPU)' });
    expect(r.auto.backend).toBe('tensorflow');
  });

  it('CUDA 11.8 is not 11.2 but has the same sonames: a finding, not a problem', () => {
    const r = diagnose(machine({ cuda: { ...GOOD_CUDA, cudart: [{ file: '/usr/local/cuda-11.8/lib64/libcudart.so.11.0', version: '11.8' }] } }));
    expect(row(r, 'tensorflow').findings.join('\n')).toMatch(/built for CUDA 11\.2; CUDA 11\.8 has the same libcudart\.so\.11\.0/);
    expect(problems(r, 'tensorflow')).not.toMatch(/CUDA 11\.2 \(/);
  });
});

describe('which GPU WebGPU would use, or why none', () => {
  it.each<[string, DoctorFacts, { device: RegExp; gpu: boolean; problem?: RegExp; auto: string }]>([
    ['a real GPU: auto uses it', machine({ gpu: { system: RTX } }), { device: /^gpu: NVIDIA GeForce RTX 3060/, gpu: true, auto: 'webgpu' }],
    ['only a software adapter: never auto', machine({ gpu: { system: SWIFT } }), { device: /^software: /, gpu: false, problem: /only WebGPU adapter is software \(SwiftShader.*auto does not use it/, auto: 'native' }],
    ['no Vulkan loader', machine({ vulkan: { loader: null, drivers: [], gpuNodes: [] } }), { device: /^none$/, gpu: false, problem: /Vulkan loader \(libvulkan\.so\.1\) is not installed.*apt install libvulkan1 mesa-vulkan-drivers/s, auto: 'native' }],
    ['no GPU in the kernel (a VM)', machine({ vulkan: { ...VULKAN_OK, gpuNodes: [] } }), { device: /^none$/, gpu: false, problem: /the kernel shows no GPU/, auto: 'native' }],
    ['only lavapipe registered', machine({ vulkan: { ...VULKAN_OK, drivers: [{ manifest: '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', library: 'libvulkan_lvp.so', software: true }] } }), { device: /^none$/, gpu: false, problem: /only software Vulkan drivers are installed/, auto: 'native' }],
    ['a GPU and a driver that does not drive it', machine(), { device: /^none$/, gpu: false, problem: /drivers installed \(libvulkan_radeon\.so\) found no GPU they drive/, auto: 'native' }],
    ['Windows without an adapter', machine({ platform: 'win32', vulkan: null }), { device: /^none$/, gpu: false, problem: /Direct3D 12/, auto: 'native' }],
    ['inside the desktop app', machine({ electron: true, gpu: { system: null } }), { device: /^none$/, gpu: false, problem: /desktop app cannot run Dawn.*browser mode/, auto: 'native' }],
    ['packages missing, native not built', machine({ gpu: { missing: ['webgpu'], system: null }, cpuBackends: [{ ...CPU[0], available: false, note: 'not built' }, CPU[1], CPU[2]] }),
      { device: /^none$/, gpu: false, problem: /webgpu is not installed .*npm install webgpu/, auto: 'wasm' }],
  ])('%s', (_t, facts, want) => {
    const r = diagnose(facts);
    const w = row(r, 'webgpu');
    expect(w.device).toMatch(want.device);
    expect(w.gpu).toBe(want.gpu);
    if (want.problem) expect(problems(r, 'webgpu')).toMatch(want.problem);
    else expect(w.problems).toEqual([]);
    expect(r.auto.backend).toBe(want.auto);
  });

  it('names the rejected adapter lavapipe only when no GPU is visible and lavapipe is registered', () => {
    const messages = ['rejected a Vulkan adapter: Vulkan shaderUniform*ArrayDynamicIndexing required'];
    const lvp = { manifest: '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', library: 'libvulkan_lvp.so', software: true };
    const seen = (gpuNodes: string[]) => row(diagnose(machine({ gpu: { system: { ...NONE, messages } }, vulkan: { ...VULKAN_OK, drivers: [...VULKAN_OK.drivers, lvp], gpuNodes } })), 'webgpu').findings.join('\n');
    expect(seen([])).toMatch(/Dawn rejected a Vulkan adapter: .* \(with no GPU visible, that is Mesa's software driver lavapipe\)/);
    expect(seen(['/dev/dri/renderD128'])).not.toMatch(/lavapipe/);
  });

  it('reads Dawn\'s rejection from its stderr, one line per adapter', () => {
    const stderr = 'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n - While initializing adapter (backend=BackendType::Vulkan)\n    at InitializeImpl (/x/PhysicalDeviceVk.cpp:257)\n\nError: something else\n';
    expect(dawnMessages(stderr)).toEqual(['rejected a Vulkan adapter: Vulkan shaderUniform*ArrayDynamicIndexing required', 'something else']);
    expect(dawnMessages('')).toEqual([]);
  });
});

describe('finding NVIDIA\'s libraries the way the loader does', () => {
  const tree = (files: Record<string, string>) => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'cs-cuda-'));
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    return root;
  };

  it.each<[string, Record<string, string>, string, { cudart: string[]; cudnn: string[] }]>([
    ['a soname with the toolkit header beside it', { 'cuda/lib64/libcudart.so.11.0': '', 'cuda/include/cuda_runtime_api.h': '#define CUDART_VERSION 11020\n' }, 'cuda/lib64', { cudart: ['11.2'], cudnn: [] }],
    ['a fully versioned file name', { 'lib/libcudart.so.11.8.89': '', 'lib/libcudnn.so.8.9.2': '' }, 'lib', { cudart: ['11.8'], cudnn: ['8.9'] }],
    ['a bare soname and no header: the major only', { 'lib/libcudart.so.12': '', 'lib/libcudnn.so.8': '' }, 'lib', { cudart: ['12'], cudnn: ['8'] }],
    ['cuDNN\'s version header', { 'x/lib/libcudnn.so.8': '', 'x/include/cudnn_version.h': '#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 1\n' }, 'x/lib', { cudart: [], cudnn: ['8.1'] }],
    ['a header that disagrees with the soname is not believed', { 'y/lib/libcudart.so.11.0': '', 'y/include/cuda_runtime_api.h': '#define CUDART_VERSION 13000\n' }, 'y/lib', { cudart: ['11'], cudnn: [] }],
  ])('%s', (_t, files, dir, want) => {
    const root = tree(files);
    const facts = gatherCudaFacts({ platform: 'linux', env: {}, ldconfig: '', procNvidia: null, nvidiaSmi: null, extraDirs: [path.join(root, dir)] });
    expect(facts.cudart.filter((l) => l.file.startsWith(root)).map((l) => l.version)).toEqual(want.cudart);
    expect(facts.cudnn.filter((l) => l.file.startsWith(root)).map((l) => l.version)).toEqual(want.cudnn);
  });

  it('follows LD_LIBRARY_PATH and ldconfig\'s cache, and counts a symlinked folder once', () => {
    const root = tree({ 'cuda-11.2/lib64/libcudart.so.11.0': '', 'cuda-11.2/lib64/libcublas.so.11': '', 'other/libcudnn.so.8': '' });
    symlinkSync(path.join(root, 'cuda-11.2'), path.join(root, 'cuda'));
    const facts = gatherCudaFacts({
      platform: 'linux', procNvidia: null, nvidiaSmi: null,
      env: { LD_LIBRARY_PATH: `${path.join(root, 'cuda/lib64')}:${path.join(root, 'cuda-11.2/lib64')}` },
      ldconfig: `\tlibcudnn.so.8 (libc6,x86-64) => ${path.join(root, 'other/libcudnn.so.8')}\n`,
    });
    expect(facts.cudart.filter((l) => l.file.startsWith(root))).toEqual([{ file: path.join(root, 'cuda/lib64/libcudart.so.11.0'), version: '11.2' }]);
    expect(facts.cudnn.map((l) => l.file)).toContain(path.join(root, 'other/libcudnn.so.8'));
    expect(facts.present).toEqual(expect.arrayContaining(['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8']));
  });

  it.each<[string, string | null, string[] | null, CudaFacts['driver']]>([
    ['the kernel module\'s version', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.54.03  Tue Jun  6 22:20:39 UTC 2023\n', null, { version: '535.54.03', gpus: [] }],
    ['nvidia-smi\'s GPUs and version', null, ['NVIDIA GeForce RTX 3060, 546.17'], { version: '546.17', gpus: ['NVIDIA GeForce RTX 3060'] }],
    ['neither', null, null, null],
  ])('the NVIDIA driver from %s', (_t, proc, smi, want) => {
    expect(gatherCudaFacts({ platform: 'linux', env: {}, ldconfig: '', procNvidia: proc, nvidiaSmi: smi }).driver).toEqual(want);
  });

  it('reads Vulkan driver manifests and GPU device nodes from their folders', () => {
    const root = tree({ 'share/vulkan/icd.d/lvp_icd.x86_64.json': JSON.stringify({ ICD: { library_path: 'libvulkan_lvp.so' } }), 'share/vulkan/icd.d/nvidia_icd.json': JSON.stringify({ ICD: { library_path: 'libGLX_nvidia.so.0' } }), 'dev/dri/renderD128': '', 'dev/nvidia0': '' });
    const v = gatherVulkanFacts({ libraryDirs: [], env: { XDG_DATA_DIRS: path.join(root, 'share'), XDG_CONFIG_DIRS: path.join(root, 'none'), XDG_DATA_HOME: path.join(root, 'none') }, devDir: path.join(root, 'dev') });
    expect(v.drivers.filter((d) => d.manifest.startsWith(root)).map((d) => [path.basename(d.manifest), d.software])).toEqual([['lvp_icd.x86_64.json', true], ['nvidia_icd.json', false]]);
    expect(v.gpuNodes.sort()).toEqual([path.join(root, 'dev/dri/renderD128'), path.join(root, 'dev/nvidia0')]);
  });
});

describe('convstudio doctor on this machine', () => {
  const installed = (pkg: string) => {
    try {
      createRequire(path.join(ROOT, 'package.json')).resolve(`${pkg}/package.json`);
      return true;
    } catch {
      return false;
    }
  };
  // What the machine has, found independently of the doctor's own code.
  const ldconfig = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '';
  const cudartSonames = [...new Set([...ldconfig.matchAll(/=>\s*(\S*libcudart\.so\.\d+\S*)/g)].map((m) => m[1]))];
  const hasNvidiaDriver = existsSync('/proc/driver/nvidia/version') || spawnSync('nvidia-smi', ['-L']).status === 0;
  const renderNodes = existsSync('/dev/dri') ? readdirSync('/dev/dri').filter((n) => n.startsWith('renderD')) : [];
  const swiftShader = existsSync('/usr/lib/chromium/vk_swiftshader_icd.json');

  it('reports what is installed, what each backend would use, and why no GPU, as the machine shows', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'main/cli/index.ts', 'doctor', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 400_000, env: { ...process.env, CONVSTUDIO_WEBGPU_ICD: '' } });
    const r = JSON.parse(out) as DoctorReport;
    expect(r.system).toBe(`${process.platform} ${process.arch}, Node ${process.versions.node}`);
    expect(r.backends.map((b) => b.name)).toEqual(['tensorflow', 'webgpu', 'native', 'wasm', 'cpu']);

    const tf = row(r, 'tensorflow');
    expect(tf.installed).toBe(installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node'));
    expect(tf.problems.some((p) => /no NVIDIA driver found/.test(p.problem))).toBe(!hasNvidiaDriver);
    for (const lib of cudartSonames) expect(tf.findings.join('\n'), lib).toContain(path.basename(lib));
    if (!cudartSonames.some((l) => /libcudart\.so\.11/.test(l))) expect(problems(r, 'tensorflow')).toMatch(/needs CUDA 11\.2/);

    const w = row(r, 'webgpu');
    expect(w.installed).toBe(installed('webgpu') && installed('@tensorflow/tfjs-backend-webgpu'));
    if (!renderNodes.length && !hasNvidiaDriver) {
      expect(w).toMatchObject({ gpu: false, device: 'none' });
      expect(problems(r, 'webgpu')).toMatch(/the kernel shows no GPU/);
    }
    expect(w.findings.some((f) => /software adapter is available for tests: SwiftShader.*\(software\)/.test(f))).toBe(swiftShader);

    expect(row(r, 'wasm')).toMatchObject({ installed: true, device: 'cpu (WebAssembly, 1 thread)' });
    if (!r.backends.some((b) => b.gpu)) expect(r.auto.backend).toBe(row(r, 'native').installed ? 'native' : 'wasm');

    // The text form says the same.
    const text = formatDoctor(r);
    expect(text).toMatch(new RegExp(`auto trains on: ${r.auto.backend}, `));
    for (const b of r.backends) for (const p of b.problems) expect(text).toContain(p.fix);
  }, 500_000);

  it('reaches the page through the Api, and says so where a host has no doctor', async () => {
    const report = diagnose(machine());
    const api = createNodeApi({ runsRoot: os.tmpdir(), doctor: async () => report });
    expect(await dispatch(api, 'doctor', [])).toEqual({ ok: true, value: report });
    expect(await dispatch(api, 'doctor', [{}])).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await dispatch(createNodeApi({ runsRoot: os.tmpdir() }), 'doctor', [])).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const broken = createNodeApi({ runsRoot: os.tmpdir(), doctor: async () => { throw new Error('probe crashed'); } });
    expect(await dispatch(broken, 'doctor', [])).toMatchObject({ ok: false, error: { code: 'backend-error', message: 'The GPU check failed: probe crashed' } });
  });
});
