/**
 * What ConvStudio needs to know about a WebGPU adapter: its name for the device line and whether
 * it is a software rasteriser. Host-neutral (no Node, no DOM): the same facts come from Dawn in
 * Node and from `navigator.gpu` in a page or a Web Worker, so the training process, the doctor
 * and (issue 15 part 2) a worker in the page all decide alike.
 */

/** GPUAdapterInfo as every WebGPU implementation reports it, plus the fallback flag. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** WebGPU's own flag for "this adapter trades performance for compatibility" (a CPU implementation). */
  isFallbackAdapter: boolean;
}

/**
 * Software Vulkan/D3D drivers by the names they report. Chromium's SwiftShader says
 * architecture "swiftshader"; Mesa's lavapipe/llvmpipe, Windows' WARP ("Microsoft Basic Render
 * Driver") name themselves in the description or device. Not every implementation sets
 * isFallbackAdapter for them (Dawn does for SwiftShader only), hence the names as well.
 */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

export function isSoftwareAdapter(a: AdapterFacts): boolean {
  return a.isFallbackAdapter || SOFTWARE_NAMES.test([a.vendor, a.architecture, a.device, a.description].join(' '));
}

/** The adapter as a person would name it: the driver's description, else its device, else vendor and architecture. */
export function adapterName(a: AdapterFacts): string {
  const vendorArch = [a.vendor, a.architecture].filter(Boolean).join(' ');
  const main = a.description || a.device || vendorArch;
  if (!main) return 'an unnamed WebGPU adapter';
  return vendorArch && main !== vendorArch ? `${main} (${vendorArch})` : main;
}

/** The device line the Training panel and the CLI show for a run on this adapter. */
export function deviceLine(a: AdapterFacts): string {
  return isSoftwareAdapter(a)
    ? `software: ${adapterName(a)} via WebGPU (no GPU: a CPU emulating one, slower than the CPU backends)`
    : `gpu: ${adapterName(a)} via WebGPU`;
}

/** Reads GPUAdapterInfo defensively: implementations differ in which fields they fill. */
export function adapterFacts(adapter: { info?: Partial<AdapterFacts>; isFallbackAdapter?: boolean }): AdapterFacts {
  const info = adapter.info ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  return {
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
    // Older implementations put the flag on the adapter, newer ones on its info.
    isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
  };
}
