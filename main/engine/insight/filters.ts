/**
 * insight.filters: a convolution's learned kernels as images, in PyTorch's order [out, in, kh,
 * kw]. The first layer's filters read per input channel (one small image per output channel);
 * a deeper layer's as one grid per output channel, a row of its input channels' kernels. One
 * symmetric scale per layer (128 = 0), so the signs and strengths of filters compare at a glance.
 */

import { encodeBytes, INSIGHT_LIMITS, type Filters, type FiltersRequest } from '../../../shared/insight';
import { chooseConv } from './grad-cam';
import type { RunModel } from './run-model';

export function filters(m: RunModel, req: Required<FiltersRequest>): Filters {
  const layer = chooseConv(m, req.layer, 'first');
  const entry = m.layers.find((l) => l.path === layer)!;
  const kernel = m.model.getLayer(entry.layerName).getWeights()[0];
  // tfjs keeps a Conv2D kernel as [kh, kw, in, out].
  const [kh, kw, cin, cout] = kernel.shape;
  const v = kernel.dataSync();
  const shownOut = Math.min(cout, INSIGHT_LIMITS.filterOut);
  const shownIn = Math.min(cin, INSIGHT_LIMITS.filterIn);
  let absMax = 0;
  for (const w of v) absMax = Math.max(absMax, Math.abs(w));
  const data = new Uint8Array(shownOut * shownIn * kh * kw);
  for (let o = 0; o < shownOut; o++) {
    for (let i = 0; i < shownIn; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const w = v[((y * kw + x) * cin + i) * cout + o];
          data[((o * shownIn + i) * kh + y) * kw + x] = absMax > 0 ? Math.round(127.5 + (w / absMax) * 127.5) : 128;
        }
      }
    }
  }
  return { runId: m.runId, epoch: m.epoch, layer, layers: m.convs, shape: [cout, cin, kh, kw], shownOut, shownIn, data: encodeBytes(data), absMax };
}
