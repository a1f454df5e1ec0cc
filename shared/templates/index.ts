/** The templates offered in the palette and by the CLI: ordinary graphs in the file format. */

import type { GraphDoc } from '../graph/types';
import { bnLenet, lenet } from './lenet';
import { resnet18 } from './resnet';
import { VGG11, VGG11_SMALL, vgg } from './vgg';

export type TemplateId = 'lenet' | 'bn-lenet' | 'vgg' | 'vgg-small' | 'resnet18';

export interface Template {
  id: TemplateId;
  name: string;
  description: string;
  /** A fresh document each call, so callers may edit it. */
  build(): GraphDoc;
}

export const TEMPLATES: readonly Template[] = [
  { id: 'lenet', name: 'LeNet', description: 'd2l 7.6: two 5×5 convs with sigmoid and average pooling, three dense layers; 1×28×28 in, 61,706 params.', build: lenet },
  { id: 'bn-lenet', name: 'BN-LeNet', description: 'd2l 8.5: LeNet with batch normalisation after every conv and dense layer; 1×28×28 in.', build: bnLenet },
  { id: 'vgg', name: 'VGG-11', description: 'd2l 8.2: five VGG blocks (64, 128, 2×256, 2×512, 2×512) and a 4096-wide head; 1×224×224 in.', build: () => vgg(VGG11, 'VGG-11') },
  { id: 'vgg-small', name: 'VGG-11 (small)', description: 'd2l 8.2: the same blocks with a quarter of the channels, as trained in the book; 1×224×224 in.', build: () => vgg(VGG11_SMALL, 'VGG-11 (small)') },
  { id: 'resnet18', name: 'ResNet-18', description: 'd2l 8.6: 7×7 stem, four stages of two Residual blocks, global average pool; 1×96×96 in.', build: () => resnet18() },
];

export function getTemplate(id: string): GraphDoc | null {
  return TEMPLATES.find((t) => t.id === id)?.build() ?? null;
}
