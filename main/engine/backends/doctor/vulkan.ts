/**
 * What Dawn has to work with on Linux, where WebGPU runs on Vulkan: the Vulkan loader
 * (libvulkan.so.1), the drivers registered with it (ICD manifests) and whether the kernel shows
 * any GPU at all (/dev/dri render nodes, /dev/nvidia*). When Dawn finds no adapter, these say
 * which piece is missing. Windows (D3D12) and macOS (Metal) need nothing installed beyond the OS.
 */

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface VulkanDriver {
  manifest: string;
  library: string;
  /** Mesa's lavapipe and Chromium's SwiftShader are CPU implementations. */
  software: boolean;
}

export interface VulkanFacts {
  loader: string | null;
  drivers: VulkanDriver[];
  /** GPU device nodes the kernel exposes (render nodes, NVIDIA's devices). */
  gpuNodes: string[];
}

const SOFTWARE_LIBRARY = /lvp|lavapipe|swiftshader|llvmpipe/i;

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The folders the Vulkan loader reads driver manifests from (its documented search order). */
export function manifestDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dataHome = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const configDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  return [...configDirs, '/etc', dataHome, ...dataDirs].filter(Boolean).map((d) => path.join(d, 'vulkan', 'icd.d'));
}

export function gatherVulkanFacts(opts: { libraryDirs: string[]; env?: NodeJS.ProcessEnv; devDir?: string } = { libraryDirs: [] }): VulkanFacts {
  const loader = [...opts.libraryDirs, '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']
    .map((d) => path.join(d, 'libvulkan.so.1')).find((p) => existsSync(p)) ?? null;
  const drivers: VulkanDriver[] = [];
  for (const dir of [...new Set(manifestDirs(opts.env))]) {
    for (const name of list(dir).filter((n) => n.endsWith('.json')).sort()) {
      const manifest = path.join(dir, name);
      let library = '';
      try {
        library = String(JSON.parse(readFileSync(manifest, 'utf8'))?.ICD?.library_path ?? '');
      } catch { /* an unreadable manifest is listed with no library */ }
      drivers.push({ manifest, library, software: SOFTWARE_LIBRARY.test(`${name} ${library}`) });
    }
  }
  const dev = opts.devDir ?? '/dev';
  const gpuNodes = [
    ...list(path.join(dev, 'dri')).filter((n) => n.startsWith('renderD')).map((n) => path.join(dev, 'dri', n)),
    ...list(dev).filter((n) => /^nvidia\d+$/.test(n)).map((n) => path.join(dev, n)),
  ];
  return { loader, drivers, gpuNodes };
}
