/**
 * WebGPU for plain Node: Dawn through the optional `webgpu` package (prebuilt binaries for
 * Linux, macOS and Windows inside the package). On a student's machine Dawn uses the system's own
 * graphics stack: the Vulkan loader and the GPU vendor's driver on Linux, D3D12 on Windows, Metal
 * on macOS. Nothing here points it elsewhere unless asked: `CONVSTUDIO_WEBGPU_ICD` names a Vulkan
 * driver manifest for Dawn to use instead (Linux), or says `swiftshader` to use the software
 * Vulkan driver that Chromium, Chrome and Electron ship. CI asks for that, having no GPU; a
 * student has no reason to, since a software GPU is slower than the CPU backends.
 *
 * Dawn for Node does not run inside Electron (dawn-gpu/node-webgpu#5): the desktop app's WebGPU
 * is its renderer's own (issue 15 part 2).
 */

import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { GpuLike } from '../../../engine-core/webgpu/backend';

export const ICD_ENV = 'CONVSTUDIO_WEBGPU_ICD';

function requireHere(): NodeJS.Require {
  // import.meta.url is empty in a CommonJS bundle (the Electron build); __filename is not in ESM.
  try {
    return createRequire(import.meta.url);
  } catch {
    return createRequire(__filename);
  }
}

/** A package's folder, or null where it is not installed. */
export function packageDir(name: string): string | null {
  try {
    return path.dirname(requireHere().resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/**
 * Where SwiftShader's Vulkan manifest is on Linux: next to Chromium (Debian, Arch; Fedora's
 * chromium-browser; Ubuntu's snap), Google Chrome, or the Electron binary a checkout downloads.
 */
export function swiftShaderCandidates(): string[] {
  const electron = packageDir('electron');
  return [
    '/usr/lib/chromium/vk_swiftshader_icd.json',
    '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
    '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
    '/snap/chromium/current/usr/lib/chromium-browser/vk_swiftshader_icd.json',
    '/opt/google/chrome/vk_swiftshader_icd.json',
    ...(electron ? [path.join(electron, 'dist', 'vk_swiftshader_icd.json')] : []),
  ];
}

export function findSwiftShader(): string | null {
  return swiftShaderCandidates().find((p) => existsSync(p)) ?? null;
}

/** The Vulkan manifest `CONVSTUDIO_WEBGPU_ICD` asks for: null when unset, an error when it cannot be honoured. */
export function requestedIcd(env: NodeJS.ProcessEnv = process.env): { path: string | null } | { error: string } {
  const value = env[ICD_ENV]?.trim();
  if (!value) return { path: null };
  if (value.toLowerCase() === 'swiftshader') {
    const found = findSwiftShader();
    return found ? { path: found } : { error: `${ICD_ENV}=swiftshader, but no SwiftShader Vulkan driver was found (looked in ${swiftShaderCandidates().join(', ')}); install Chromium or point ${ICD_ENV} at a vk_swiftshader_icd.json` };
  }
  return existsSync(value) ? { path: path.resolve(value) } : { error: `${ICD_ENV} is "${value}", which is not a file; set it to a Vulkan driver manifest (.json) or to "swiftshader"` };
}

export interface Dawn {
  gpu: GpuLike;
  /** Which Vulkan manifest Dawn was pointed at, or null for the system's drivers. */
  icd: string | null;
  /** Drops Dawn's instance so the process can exit (Dawn keeps it alive while referenced). */
  release(): void;
}

let loaded: Dawn | null = null;

export function runningInElectron(): boolean {
  return typeof process.versions.electron === 'string';
}

/**
 * Loads Dawn and makes `navigator.gpu` and WebGPU's globals (GPUBufferUsage, ...) what
 * tfjs-backend-webgpu expects. Once per process: the Vulkan loader reads its environment when
 * Dawn's instance is created.
 */
export async function loadDawn(): Promise<Dawn | { error: string }> {
  if (loaded) return loaded;
  if (runningInElectron()) return { error: 'Dawn for Node does not run inside Electron, so the desktop app cannot train on webgpu yet; train in browser mode (npm run serve) or the CLI' };
  if (!packageDir('webgpu')) return { error: 'the optional package "webgpu" (Dawn for Node) is not installed: npm install webgpu' };
  const icd = requestedIcd();
  if ('error' in icd) return { error: icd.error };
  if (icd.path) {
    // Both names: VK_DRIVER_FILES is the Vulkan loader's current one, VK_ICD_FILENAMES the older.
    process.env.VK_ICD_FILENAMES = icd.path;
    process.env.VK_DRIVER_FILES = icd.path;
  }
  if (!process.env.XDG_RUNTIME_DIR && process.platform === 'linux') {
    // Dawn's Linux start-up looks for a display socket there and prints an error per lookup
    // without it (headless servers, CI); an empty private folder keeps stderr clean.
    const dir = path.join(os.tmpdir(), `convstudio-xdg-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  try {
    const mod = await import(/* @vite-ignore */ 'webgpu' as string);
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]) as GpuLike;
    const g = globalThis as { navigator?: { gpu?: unknown } };
    // Node 21+ has a navigator (without gpu); Node 20 has none.
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
    loaded = {
      gpu, icd: icd.path,
      release() {
        delete (g.navigator as { gpu?: unknown }).gpu;
        loaded = null;
      },
    };
    return loaded;
  } catch (err) {
    return { error: `Dawn for Node failed to load: ${(err as Error).message}` };
  }
}
