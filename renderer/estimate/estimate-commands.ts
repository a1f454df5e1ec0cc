/** Talks to the host for the estimate: the machine's memory and cached measurements, and step measurements. */

import { estimateKey } from '../../shared/training/estimate';
import { host } from '../api/host';
import { useStore } from '../store/index';

export async function refreshEstimateBasis(): Promise<void> {
  const r = await host().api.estimateBasis();
  if (r.ok) useStore.getState().setEstimateBasis(r.value);
}

/** The key the canvas's graph and the panel's config are measured under. */
export function currentEstimateKey(): string {
  const s = useStore.getState();
  return estimateKey(s.graphDoc(), s.config.batchSize, s.config.backend);
}

/**
 * Measures training steps of the canvas's graph at the panel's config (the host answers from its
 * cache unless `fresh`). One at a time: a second request while one runs is dropped, and the
 * component asks again for whatever the graph is once it is done.
 */
export async function measureCurrent(fresh = false): Promise<void> {
  const s = useStore.getState();
  if (s.measuring) return;
  const graph = s.graphDoc();
  const config = s.config;
  const key = estimateKey(graph, config.batchSize, config.backend);
  s.setMeasuring(key);
  s.setMeasureError(null);
  try {
    const r = await host().api.measureTraining({ graph, config, fresh });
    if (r.ok) useStore.getState().addMeasurement(key, r.value);
    else useStore.getState().setMeasureError({ key, message: r.error.message });
  } finally {
    useStore.getState().setMeasuring(null);
  }
}

/** Trains at size×size by changing the Input, as one undoable edit: the Input's size is the training size. */
export function trainAtSize(size: number): void {
  const s = useStore.getState();
  // Inside an open block the canvas shows the block's layers; the network's Input is a level up.
  if (s.frames.length) return s.toast('info', 'Leave the block (the breadcrumb above the canvas) to change the training size.');
  const input = s.nodes.find((n) => n.data.type === 'Input');
  if (input) s.setParams(input.id, { height: size, width: size });
}
