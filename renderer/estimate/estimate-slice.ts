/**
 * The estimate before Start's state: what the host said about this machine (its memory, the
 * cached step measurements) and the measurements of graphs made in this session, by
 * estimateKey. Everything else the estimate shows is derived from the graph and the config.
 */

import type { StateCreator } from 'zustand';
import type { EstimateBasis, StepMeasurement } from '../../shared/training/estimate';
import type { Store } from '../store/index';

export interface EstimateSlice {
  estimateBasis: EstimateBasis | null;
  measurements: Record<string, StepMeasurement>;
  /** The key being measured now, at most one at a time. */
  measuring: string | null;
  /** Why the last measurement of a key failed (shown instead of a time). */
  measureError: { key: string; message: string } | null;
  setEstimateBasis(basis: EstimateBasis): void;
  setMeasuring(key: string | null): void;
  addMeasurement(key: string, m: StepMeasurement): void;
  setMeasureError(e: EstimateSlice['measureError']): void;
}

export const createEstimateSlice: StateCreator<Store, [], [], EstimateSlice> = (set, get) => ({
  estimateBasis: null,
  measurements: {},
  measuring: null,
  measureError: null,
  setEstimateBasis: (estimateBasis) => set({ estimateBasis }),
  setMeasuring: (measuring) => set({ measuring }),
  addMeasurement: (key, m) => {
    const basis = get().estimateBasis;
    // The newest measurement on a backend is that backend's throughput from now on.
    set({
      measurements: { ...get().measurements, [key]: m },
      ...(basis ? { estimateBasis: { ...basis, throughput: { ...basis.throughput, [m.backend]: m }, auto: key.startsWith('auto:') ? m.backend : basis.auto } } : {}),
    });
  },
  setMeasureError: (measureError) => set({ measureError }),
});
