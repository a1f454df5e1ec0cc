/**
 * The doctor's judgement: facts gathered about this machine (./gather.ts) → for each backend,
 * whether it is installed, what it would compute on, and what stands between it and a GPU, with
 * the fix. Pure, so every verdict is tested from written-down facts (test/unit/main/engine/
 * backends/webgpu/doctor.test.ts) as well as from this machine's.
 */

import type { BackendInfo, DoctorBackend, DoctorReport } from '../../../../shared/api';
import { TF29_NEEDS, type CudaFacts } from './cuda';
import type { VulkanFacts } from './vulkan';

/** What a WebGPU probe (./probe.ts) saw: the adapter Dawn picked, or why there was none. */
export interface AdapterSeen {
  name: string;
  device: string;
  software: boolean;
  maxBufferBytes: number | null;
}

export interface WebgpuSeen {
  /** null when Dawn did not start (see error). */
  adapter: AdapterSeen | null;
  error?: string;
  /** The Vulkan manifest Dawn was pointed at (CONVSTUDIO_WEBGPU_ICD), or null for the system's drivers. */
  icd: string | null;
  /** What Dawn printed while looking (it reports rejected adapters on stderr only). */
  messages: string[];
}

export interface DoctorFacts {
  platform: NodeJS.Platform;
  arch: string;
  node: string;
  electron: boolean;
  tensorflow: {
    /** Installed versions of @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node (null: absent). */
    gpuPackage: string | null;
    cpuPackage: string | null;
    /** Loading it in a probe process: whether TensorFlow then used a GPU. null: not loaded (absent, or a host that does not load it). */
    probe: { onGpu: boolean; error?: string } | null;
  };
  cuda: CudaFacts | null;
  webgpu: {
    missing: string[];
    versions: Record<string, string>;
    /** With the system's drivers (or the manifest the user set); null: not probed. */
    system: WebgpuSeen | null;
    /** With a software Vulkan driver, when one is on disk and the user did not set one already. */
    software: (WebgpuSeen & { manifest: string }) | null;
  };
  vulkan: VulkanFacts | null;
  /** The CPU backends as listBackends reports them. */
  cpuBackends: BackendInfo[];
}

type Problem = DoctorBackend['problems'][number];

const major = (v: string) => Number(v.split('.')[0]);

/** "a.b.c" ≥ "x.y.z", numerically per part. */
function atLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

const WEBGPU_INSTEAD = 'or train on the GPU through the webgpu backend, which needs no CUDA';

function tensorflowReport(f: DoctorFacts): DoctorBackend {
  const t = f.tensorflow;
  const installed = t.gpuPackage !== null || t.cpuPackage !== null;
  const findings: string[] = [];
  const problems: Problem[] = [];
  if (t.gpuPackage) findings.push(`@tensorflow/tfjs-node-gpu ${t.gpuPackage} is installed (libtensorflow 2.9.1, GPU build)`);
  if (t.cpuPackage) findings.push(`@tensorflow/tfjs-node ${t.cpuPackage} is installed (libtensorflow 2.9.1, CPU only)`);
  if (!installed) findings.push('neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed (both are optional)');

  if (f.platform === 'darwin') {
    problems.push({ problem: 'tfjs-node-gpu has no macOS build: TensorFlow 2.9 uses NVIDIA CUDA, which Macs do not have', fix: 'on a Mac, train on the GPU with the webgpu backend (Metal)' });
  } else if (f.platform !== 'linux' && f.platform !== 'win32') {
    problems.push({ problem: `tfjs-node-gpu is built for Linux and Windows only (this is ${f.platform})`, fix: 'use the webgpu backend' });
  }
  if (f.arch !== 'x64' && f.platform !== 'darwin') {
    problems.push({ problem: `tfjs-node-gpu is built for x64 only (this is ${f.arch})`, fix: 'use the webgpu backend' });
  }
  if (major(f.node) >= 22) {
    problems.push({
      problem: `Node ${f.node}: tfjs-node 4.22 has no prebuilt binary for Node 22 or later (tensorflow/tfjs#8611), so npm install tries to build it from source, which usually fails`,
      fix: `install and run ConvStudio with Node 20 LTS (e.g. nvm install 20), ${WEBGPU_INSTEAD}`,
    });
  } else {
    findings.push(`Node ${f.node}: tfjs-node 4.22 has prebuilt binaries for it`);
  }

  const c = f.cuda;
  if (c && (f.platform === 'linux' || f.platform === 'win32')) {
    if (c.driver) {
      findings.push(`NVIDIA driver ${c.driver.version}${c.driver.gpus.length ? ` (${c.driver.gpus.join(', ')})` : ''}`);
      if (!atLeast(c.driver.version, TF29_NEEDS.minDriver)) {
        problems.push({ problem: `the NVIDIA driver ${c.driver.version} is older than CUDA 11 needs (${TF29_NEEDS.minDriver} or newer)`, fix: 'update the NVIDIA driver' });
      }
    } else {
      problems.push({
        problem: `no NVIDIA driver found (${f.platform === 'linux' ? 'no /proc/driver/nvidia/version, ' : ''}no nvidia-smi): tfjs-node-gpu only uses NVIDIA GPUs`,
        fix: `on a machine with an NVIDIA GPU, install its driver (${TF29_NEEDS.minDriver} or newer); for an AMD, Intel or Apple GPU use the webgpu backend`,
      });
    }
    const libExt = f.platform === 'win32' ? 'cudart64_110.dll' : 'libcudart.so.11.0';
    const cuda11 = c.cudart.filter((l) => major(l.version) === 11);
    for (const l of c.cudart) findings.push(`CUDA runtime ${l.version} at ${l.file}`);
    if (!cuda11.length) {
      const other = c.cudart.length ? `found CUDA ${[...new Set(c.cudart.map((l) => l.version))].join(', ')}, but ` : 'no CUDA runtime found; ';
      problems.push({
        problem: `${other}TensorFlow 2.9 needs CUDA ${TF29_NEEDS.cuda} (${libExt})${c.cudart.length ? ': other major releases are not compatible' : ''}`,
        fix: `install the CUDA ${TF29_NEEDS.cuda} toolkit (it can sit beside another release) and put its ${f.platform === 'win32' ? 'bin folder on PATH' : 'lib64 folder on LD_LIBRARY_PATH'}, ${WEBGPU_INSTEAD}`,
      });
    } else if (!cuda11.some((l) => l.version === TF29_NEEDS.cuda)) {
      findings.push(`TensorFlow 2.9 was built for CUDA ${TF29_NEEDS.cuda}; CUDA ${cuda11[0].version} has the same ${libExt} and usually works`);
    }
    const wanted = f.platform === 'win32' ? TF29_NEEDS.windows : TF29_NEEDS.libraries;
    const missingCudaLibs = wanted.filter((n) => !/cudnn|cudart/.test(n) && !c.present.includes(n));
    if (cuda11.length && missingCudaLibs.length) {
      problems.push({ problem: `the CUDA 11 runtime is there but not all of its libraries: ${missingCudaLibs.join(', ')} not found`, fix: `install the whole CUDA ${TF29_NEEDS.cuda} toolkit (cuBLAS, cuFFT, cuRAND, cuSOLVER, cuSPARSE), not only the runtime` });
    }
    for (const l of c.cudnn) findings.push(`cuDNN ${l.version} at ${l.file}`);
    const cudnn8 = c.cudnn.filter((l) => major(l.version) === 8);
    if (!cudnn8.length) {
      const other = c.cudnn.length ? `found cuDNN ${[...new Set(c.cudnn.map((l) => l.version))].join(', ')}, but ` : 'no cuDNN found; ';
      problems.push({
        problem: `${other}TensorFlow 2.9 needs cuDNN ${TF29_NEEDS.cudnn} (${f.platform === 'win32' ? 'cudnn64_8.dll' : 'libcudnn.so.8'})`,
        fix: `install cuDNN ${TF29_NEEDS.cudnn} for CUDA 11 next to the CUDA libraries, ${WEBGPU_INSTEAD}`,
      });
    }
  }

  if (t.probe && t.gpuPackage) {
    if (t.probe.error) problems.push({ problem: `loading tfjs-node-gpu failed: ${t.probe.error}`, fix: 'reinstall it (npm install @tensorflow/tfjs-node-gpu; it downloads libtensorflow)' });
    else if (!t.probe.onGpu) {
      findings.push('loaded here, TensorFlow found no usable GPU and runs on the CPU');
      if (!problems.length) problems.push({ problem: 'TensorFlow did not use the GPU although the libraries above were found', fix: 'run with TF_CPP_MIN_LOG_LEVEL=0 to see which library TensorFlow could not open' });
    } else findings.push('loaded here, TensorFlow uses the GPU');
  }
  const onGpu = t.probe?.onGpu === true;
  if (!t.gpuPackage && !problems.length) {
    problems.push({ problem: 'tfjs-node-gpu is not installed, though nothing here stops it from using the GPU', fix: 'npm install @tensorflow/tfjs-node-gpu (it downloads libtensorflow, so it needs internet)' });
  }
  const device = onGpu ? `gpu (CUDA${f.cuda?.driver?.gpus.length ? `: ${f.cuda.driver.gpus.join(', ')}` : ''})` : installed ? (t.probe || !t.gpuPackage ? 'cpu (libtensorflow)' : 'gpu if TensorFlow finds CUDA at run time, else cpu (libtensorflow)') : 'none';
  return { name: 'tensorflow', installed, device, gpu: onGpu, findings, problems: onGpu ? [] : problems };
}

const LINUX_GPU_DRIVERS = 'your GPU\'s Vulkan driver (Debian/Ubuntu: apt install mesa-vulkan-drivers for AMD and Intel; NVIDIA\'s own driver for NVIDIA)';

function webgpuReport(f: DoctorFacts): DoctorBackend {
  const w = f.webgpu;
  const findings: string[] = [];
  const problems: Problem[] = [];
  for (const [pkg, v] of Object.entries(w.versions)) findings.push(`${pkg} ${v} is installed`);
  if (w.missing.length) {
    problems.push({ problem: `${w.missing.join(' and ')} ${w.missing.length > 1 ? 'are' : 'is'} not installed (optional dependencies)`, fix: `npm install ${w.missing.join(' ')}` });
  }
  if (f.electron) {
    problems.push({ problem: 'the desktop app cannot run Dawn, the WebGPU for Node this backend uses', fix: 'for webgpu today, use browser mode (npm run serve) or the CLI; the app will train on its own WebGPU later' });
  }
  const sys = w.system;
  let device = 'none';
  let gpu = false;
  if (sys) {
    const via = sys.icd ? ` (CONVSTUDIO_WEBGPU_ICD points Dawn at ${sys.icd})` : '';
    // Dawn does not name an adapter it rejects; with no GPU visible only a CPU driver can have offered one.
    const lavapipe = f.vulkan && !f.vulkan.gpuNodes.length && f.vulkan.drivers.some((d) => /lvp|lavapipe/i.test(d.library || d.manifest));
    for (const m of sys.messages) findings.push(`Dawn ${m}${lavapipe && /^rejected/.test(m) ? ' (with no GPU visible, that is Mesa\'s software driver lavapipe)' : ''}`);
    if (sys.adapter) {
      device = sys.adapter.device;
      gpu = !sys.adapter.software;
      findings.push(`WebGPU adapter${via}: ${sys.adapter.name}${sys.adapter.software ? ' (software)' : ''}${sys.adapter.maxBufferBytes ? `, largest buffer ${Math.floor(sys.adapter.maxBufferBytes / 2 ** 20).toLocaleString('en-US')} MB` : ''}`);
      if (sys.adapter.software) {
        problems.push({
          problem: `the only WebGPU adapter${via} is software (${sys.adapter.name}): a CPU emulating a GPU, so auto does not use it`,
          fix: f.platform === 'linux' ? `install ${LINUX_GPU_DRIVERS}` : 'update the graphics driver',
        });
      }
    } else if (sys.error) {
      problems.push(...noAdapterProblems(f, sys.error));
    }
  }
  const sw = w.software;
  if (sw?.adapter) {
    findings.push(`a software adapter is available for tests: ${sw.adapter.name} (software), from ${sw.manifest}; CONVSTUDIO_WEBGPU_ICD=swiftshader selects it for --backend webgpu (auto never does)`);
  } else if (sw?.error) {
    findings.push(`the software Vulkan driver at ${sw.manifest} gave no adapter: ${sw.error}`);
  }
  return { name: 'webgpu', installed: !w.missing.length, device, gpu, findings, problems: gpu ? [] : problems };
}

/** Why Dawn found no adapter, from what the machine shows, most basic cause first. */
function noAdapterProblems(f: DoctorFacts, error: string): Problem[] {
  const v = f.vulkan;
  if (f.platform !== 'linux' || !v) {
    return [{ problem: `WebGPU found no adapter: ${error}`, fix: f.platform === 'win32' ? 'update the graphics driver (WebGPU uses Direct3D 12)' : 'update the operating system (WebGPU uses Metal)' }];
  }
  const out: Problem[] = [];
  if (!v.loader) out.push({ problem: 'the Vulkan loader (libvulkan.so.1) is not installed; WebGPU on Linux runs on Vulkan', fix: `install it and ${LINUX_GPU_DRIVERS} (Debian/Ubuntu: apt install libvulkan1 mesa-vulkan-drivers)` });
  if (!v.gpuNodes.length) {
    out.push({ problem: 'the kernel shows no GPU (no /dev/dri/renderD*, no /dev/nvidia*): this machine or VM has none, or its kernel driver is not loaded', fix: 'train on a machine with a GPU; in a VM or container, pass the GPU through' });
  }
  const hardware = v.drivers.filter((d) => !d.software);
  if (v.loader && !v.drivers.length) out.push({ problem: 'no Vulkan driver is registered (no manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d)', fix: `install ${LINUX_GPU_DRIVERS}` });
  else if (v.loader && !hardware.length) out.push({ problem: `only software Vulkan drivers are installed (${v.drivers.map((d) => d.manifest).join(', ')})`, fix: `install ${LINUX_GPU_DRIVERS}` });
  if (!out.length) out.push({ problem: `WebGPU found no adapter: ${error}; the Vulkan drivers installed (${hardware.map((d) => d.library || d.manifest).join(', ')}) found no GPU they drive`, fix: `install or update ${LINUX_GPU_DRIVERS}` });
  return out;
}

function cpuReport(info: BackendInfo): DoctorBackend {
  return {
    name: info.name, installed: info.available, device: info.available ? info.device : 'none', gpu: false,
    findings: info.available && info.note ? [info.note] : [],
    problems: info.available ? [] : [{ problem: info.note ?? 'not available', fix: info.name === 'native' ? 'npm run build:native (needs g++ and libdnnl-dev)' : 'reinstall ConvStudio\'s dependencies (npm ci)' }],
  };
}

/**
 * Auto's choice, by the rule main/engine/backends/index.ts follows: tensorflow on a GPU, webgpu
 * on a real GPU, native, tensorflow on the CPU, wasm, cpu.
 */
function autoChoice(backends: DoctorBackend[]): DoctorReport['auto'] {
  const by = (n: string) => backends.find((b) => b.name === n);
  const order = [
    by('tensorflow')?.gpu ? by('tensorflow') : undefined,
    by('webgpu')?.gpu ? by('webgpu') : undefined,
    by('native')?.installed ? by('native') : undefined,
    by('tensorflow')?.installed ? by('tensorflow') : undefined,
    by('wasm')?.installed ? by('wasm') : undefined,
    by('cpu'),
  ];
  const pick = order.find(Boolean)!;
  return { backend: pick.name, device: pick.device };
}

export function diagnose(f: DoctorFacts, unchecked: string[] = []): DoctorReport {
  const cpu = (name: string) => cpuReport(f.cpuBackends.find((b) => b.name === name) ?? { name, available: false, device: 'none', note: 'not part of this build' });
  const backends = [tensorflowReport(f), webgpuReport(f), cpu('native'), cpu('wasm'), cpu('cpu')];
  return { system: `${f.platform} ${f.arch}, Node ${f.node}`, backends, auto: autoChoice(backends), unchecked };
}
