/** Which adapters are software, and the device line a run shows for each. */

import { describe, expect, it } from 'vitest';
import { adapterFacts, adapterName, deviceLine, isSoftwareAdapter, type AdapterFacts } from '../../../../../../main/engine-core/webgpu/adapter';

const facts = (over: Partial<AdapterFacts>): AdapterFacts => ({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false, ...over });

describe('software or GPU, and what the device line says', () => {
  it.each<[string, AdapterFacts, boolean, string]>([
    // What Dawn reports here for Chromium's SwiftShader (checked on the build machine).
    ['SwiftShader (Dawn in Node)', facts({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true }), true, 'software: SwiftShader driver 5.0.0 (google swiftshader) via WebGPU'],
    ['SwiftShader without the fallback flag', facts({ vendor: 'google', architecture: 'swiftshader' }), true, 'software: google swiftshader via WebGPU'],
    ['Mesa lavapipe', facts({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), true, 'software: llvmpipe (LLVM 15.0.6, 256 bits) (mesa) via WebGPU'],
    ['Windows WARP', facts({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }), true, 'software: Microsoft Basic Render Driver (microsoft) via WebGPU'],
    ['an NVIDIA laptop GPU', facts({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060 Laptop GPU' }), false, 'gpu: NVIDIA GeForce RTX 3060 Laptop GPU (nvidia ampere) via WebGPU'],
    ['Apple silicon (Chrome gives no description)', facts({ vendor: 'apple', architecture: 'metal-3' }), false, 'gpu: apple metal-3 via WebGPU'],
    ['an Intel iGPU named by device only', facts({ vendor: 'intel', architecture: 'gen-12lp', device: 'intel-iris-xe' }), false, 'gpu: intel-iris-xe (intel gen-12lp) via WebGPU'],
    ['nothing reported at all', facts({}), false, 'gpu: an unnamed WebGPU adapter via WebGPU'],
  ])('%s', (_t, a, software, line) => {
    expect(isSoftwareAdapter(a)).toBe(software);
    expect(deviceLine(a).startsWith(line)).toBe(true);
    expect(deviceLine(a).includes('software')).toBe(software);
  });

  it('reads the fallback flag from the adapter (older WebGPU) or its info (newer), and trims the strings', () => {
    expect(adapterFacts({ isFallbackAdapter: true, info: { vendor: ' google ' } })).toEqual(facts({ vendor: 'google', isFallbackAdapter: true }));
    expect(adapterFacts({ info: { isFallbackAdapter: true } }).isFallbackAdapter).toBe(true);
    expect(adapterFacts({}).isFallbackAdapter).toBe(false);
    expect(adapterName(facts({ description: 'X', vendor: 'v', architecture: 'a' }))).toBe('X (v a)');
  });
});
