/**
 * What tfjs-node-gpu would find of NVIDIA's stack: the driver, the CUDA libraries and cuDNN,
 * found the way the dynamic loader finds them (LD_LIBRARY_PATH, ldconfig's cache, the usual
 * install folders; CUDA_PATH and PATH on Windows). tfjs-node-gpu 4.22 wraps libtensorflow 2.9.1,
 * which opens exactly these sonames and quietly runs on the CPU when one is missing.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** The libraries TensorFlow 2.9's GPU build opens (its dso_loader), by soname version, and the release they come with. */
export const TF29_NEEDS = {
  cuda: '11.2',
  cudnn: '8.1',
  /** Linux sonames; Windows names the same libraries cudart64_110.dll, cudnn64_8.dll, ... */
  libraries: ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'],
  windows: ['cudart64_110.dll', 'cublas64_11.dll', 'cublasLt64_11.dll', 'cufft64_10.dll', 'curand64_10.dll', 'cusolver64_11.dll', 'cusparse64_11.dll', 'cudnn64_8.dll'],
  /** CUDA 11.x runs on drivers from 450.80.02 (minor-version compatibility). */
  minDriver: '450.80.02',
} as const;

export interface FoundLibrary {
  file: string;
  /** The version as precisely as the files say: "11.2", or just the soname's "13". */
  version: string;
}

export interface CudaFacts {
  /** The NVIDIA kernel driver's version and the GPUs nvidia-smi lists; null when there is no driver. */
  driver: { version: string; gpus: string[] } | null;
  cudart: FoundLibrary[];
  cudnn: FoundLibrary[];
  /** Which of TF29_NEEDS.libraries (or .windows) the loader would find. */
  present: string[];
  /** Folders searched, for the report. */
  searched: string[];
}

export interface SearchEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** `ldconfig -p` output (Linux); injected by tests. */
  ldconfig?: string;
  /** /proc/driver/nvidia/version's text, or null; injected by tests. */
  procNvidia?: string | null;
  /** `nvidia-smi` output lines "name, driver_version", or null when it is not there. */
  nvidiaSmi?: string[] | null;
  /** Extra folders to search (tests point this at fixtures). */
  extraDirs?: string[];
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function run(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return r.error || r.status !== 0 ? null : r.stdout;
}

/** Library folders the loader would search, in its order, without duplicates. */
export function librarySearchDirs(s: SearchEnv): string[] {
  const dirs: string[] = [...(s.extraDirs ?? [])];
  const sep = s.platform === 'win32' ? ';' : ':';
  if (s.platform === 'win32') {
    if (s.env.CUDA_PATH) dirs.push(path.join(s.env.CUDA_PATH, 'bin'));
    dirs.push(...(s.env.PATH ?? s.env.Path ?? '').split(sep));
  } else {
    dirs.push(...(s.env.LD_LIBRARY_PATH ?? '').split(sep));
    for (const line of (s.ldconfig ?? '').split('\n')) {
      const m = /=>\s*(\/\S+)$/.exec(line.trim());
      if (m) dirs.push(path.dirname(m[1]));
    }
    for (const base of ['/usr/local', '/opt']) {
      for (const name of listDir(base).filter((n) => /^cuda(-[\d.]+)?$/.test(n))) dirs.push(path.join(base, name, 'lib64'), path.join(base, name, 'lib'));
    }
    dirs.push('/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib');
  }
  return [...new Set(dirs.filter(Boolean).map((d) => path.resolve(d)))];
}

/** CUDART_VERSION 11020 → "11.2", from the toolkit's header beside the library. */
function cudaVersionFromHeader(libDir: string): string | null {
  for (const inc of [path.join(libDir, '..', 'include'), path.join(libDir, '..', '..', 'include')]) {
    try {
      const m = /#define\s+CUDART_VERSION\s+(\d+)/.exec(readFileSync(path.join(inc, 'cuda_runtime_api.h'), 'utf8'));
      if (m) return `${Math.floor(Number(m[1]) / 1000)}.${Math.floor((Number(m[1]) % 1000) / 10)}`;
    } catch { /* next */ }
  }
  return null;
}

function cudnnVersionFromHeader(libDir: string): string | null {
  for (const inc of [path.join(libDir, '..', 'include'), '/usr/include', '/usr/include/x86_64-linux-gnu']) {
    for (const name of ['cudnn_version.h', 'cudnn.h']) {
      try {
        const text = readFileSync(path.join(inc, name), 'utf8');
        const major = /#define\s+CUDNN_MAJOR\s+(\d+)/.exec(text)?.[1];
        const minor = /#define\s+CUDNN_MINOR\s+(\d+)/.exec(text)?.[1];
        if (major && minor) return `${major}.${minor}`;
      } catch { /* next */ }
    }
  }
  return null;
}

/**
 * Every copy of a library in the search folders with its release. A soname says only the major
 * release (libcudart.so.11.0 is every CUDA 11.x; cudart64_110.dll likewise), so the release is
 * read from a fully versioned file name (libcudart.so.11.2.152, libcudnn.so.8.1.1), else the
 * toolkit's header beside it, else a cuda-X.Y / CUDA\vX.Y folder name; failing all, the major.
 */
function findVersioned(dirs: string[], s: SearchEnv, lib: 'cudart' | 'cudnn'): FoundLibrary[] {
  const pattern = s.platform === 'win32'
    ? (lib === 'cudart' ? /^cudart64_(\d+)\.dll$/i : /^cudnn64_(\d+)\.dll$/i)
    : new RegExp(`^lib${lib}\\.so\\.(\\d+(?:\\.\\d+)*)$`);
  const found: FoundLibrary[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    for (const name of listDir(dir)) {
      const m = pattern.exec(name);
      if (!m) continue;
      // cudart64_110.dll is CUDA 11, cudart64_12.dll CUDA 12: a third digit is the soname's ".0".
      const parts = s.platform === 'win32' && lib === 'cudart' && m[1].length === 3 ? [m[1].slice(0, 2)] : m[1].split('.');
      const full = lib === 'cudart' ? parts.length >= 3 : parts.length >= 2;
      const fromFiles = lib === 'cudart'
        // /usr/local/cuda is usually a link to cuda-X.Y: the real folder's name says the release.
        ? cudaVersionFromHeader(dir) ?? /cuda-(\d+\.\d+)/.exec(realpath(dir))?.[1] ?? /CUDA[\\/]v(\d+\.\d+)/i.exec(dir)?.[1] ?? null
        : cudnnVersionFromHeader(dir);
      const version = full ? parts.slice(0, 2).join('.') : fromFiles && fromFiles.split('.')[0] === parts[0] ? fromFiles : parts[0];
      const file = path.join(dir, name);
      // The same file through a symlinked folder (/usr/local/cuda → cuda-13.0) counts once.
      const key = `${name}:${realpath(file)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ file, version });
    }
  }
  return found;
}

function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function driverFacts(s: SearchEnv): CudaFacts['driver'] {
  const proc = s.procNvidia !== undefined ? s.procNvidia : (() => {
    try {
      return readFileSync('/proc/driver/nvidia/version', 'utf8');
    } catch {
      return null;
    }
  })();
  const smi = s.nvidiaSmi !== undefined ? s.nvidiaSmi : run('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'])?.trim().split('\n').filter(Boolean) ?? null;
  const fromProc = proc ? /Kernel Module\s+(?:for \S+\s+)?(\d+\.\d+(?:\.\d+)?)/.exec(proc)?.[1] ?? null : null;
  const gpus = (smi ?? []).map((l) => l.split(',')[0].trim()).filter(Boolean);
  const fromSmi = smi?.[0]?.split(',')[1]?.trim() ?? null;
  const version = fromProc ?? fromSmi;
  return version ? { version, gpus } : null;
}

export function gatherCudaFacts(partial: Partial<SearchEnv> = {}): CudaFacts {
  const s: SearchEnv = {
    platform: partial.platform ?? process.platform,
    env: partial.env ?? process.env,
    ldconfig: partial.ldconfig ?? (process.platform === 'linux' && partial.platform === undefined ? run('ldconfig', ['-p']) ?? run('/sbin/ldconfig', ['-p']) ?? '' : ''),
    procNvidia: partial.procNvidia,
    nvidiaSmi: partial.nvidiaSmi,
    extraDirs: partial.extraDirs,
  };
  const dirs = librarySearchDirs(s);
  const names = s.platform === 'win32' ? TF29_NEEDS.windows : TF29_NEEDS.libraries;
  const present = names.filter((n) => dirs.some((d) => existsSync(path.join(d, n))));
  return { driver: driverFacts(s), cudart: findVersioned(dirs, s, 'cudart'), cudnn: findVersioned(dirs, s, 'cudnn'), present: [...present], searched: dirs };
}
