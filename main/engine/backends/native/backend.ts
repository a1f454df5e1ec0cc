/**
 * The 'native' backend class: tfjs's CPU backend whose disposed tensor storage goes back to the
 * pool (pool.ts) instead of waiting for V8's garbage collector.
 */

import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DataId } from '@tensorflow/tfjs-core';
import { markEscaped, release } from './pool';
import { LAZY_DISPOSE } from './kernels';

function storedValues(entry: unknown): unknown {
  // A lazily computed output has a getter; reading it would compute it just to drop it.
  const d = entry ? Object.getOwnPropertyDescriptor(entry, 'values') : undefined;
  return d && 'value' in d ? d.value : undefined;
}

export class NativeBackendCPU extends MathBackendCPU {
  override disposeData(dataId: DataId, force = false): boolean {
    const entry = this.data.get(dataId) as { [LAZY_DISPOSE]?: () => void } | undefined;
    const values = storedValues(entry);
    const done = super.disposeData(dataId, force);
    if (done && !this.data.has(dataId)) {
      if (values !== undefined) release(values);
      entry?.[LAZY_DISPOSE]?.(); // a lazy output dropped unread lets go of its inputs
    }
    return done;
  }

  // What readSync/read return is the stored array itself; the caller may keep it.
  override readSync(dataId: DataId) {
    const v = super.readSync(dataId);
    markEscaped(v);
    return v;
  }

  override async read(dataId: DataId) {
    const v = await super.read(dataId);
    markEscaped(v);
    return v;
  }
}
