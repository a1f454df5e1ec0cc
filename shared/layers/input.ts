/** Input: the image batch entering the network; where the receptive field starts at one pixel. */

import { defineLayer } from './layer';

export interface InputParams { type: 'Input'; channels: number; height: number; width: number }

export const input = defineLayer({
  type: 'Input', label: 'Input', category: 'Input', inputs: 0, torch: 'Input',
  doc: 'The image batch entering the network (NCHW, batch 1 in summaries).',
  params: [
    { name: 'channels', type: 'int', default: 1, min: 1, doc: 'Colour channels (1 for Fashion-MNIST).' },
    { name: 'height', type: 'int', default: 28, min: 1, doc: 'Image height in pixels.' },
    { name: 'width', type: 'int', default: 28, min: 1, doc: 'Image width in pixels.' },
  ],
  initial: {},
  resolve: (v): InputParams => ({ type: 'Input', channels: v.channels as number, height: v.height as number, width: v.width as number }),
  shape: (x, p) => ({ shape: [x.batch, p.channels, p.height, p.width], rf: { size: [1, 1], jump: [1, 1] } }),
});
