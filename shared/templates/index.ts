/** The templates offered in the palette and by the CLI: ordinary graphs in the file format. */

import type { GraphDoc } from '../graph/types';
import { alexnet } from './alexnet';
import { densenet } from './densenet';
import { googlenet } from './googlenet';
import { bnLenet, lenet } from './lenet';
import { nin } from './nin';
import { resnet18 } from './resnet';
import { preactResnet18, resnet50 } from './resnet-exercises';
import { resnext } from './resnext';
import { VGG11, VGG11_SMALL, VGG16, VGG19, vgg } from './vgg';

export type TemplateId = 'lenet' | 'bn-lenet' | 'alexnet' | 'vgg' | 'vgg-small' | 'vgg16' | 'vgg19' | 'nin' | 'googlenet' | 'resnet18' | 'resnet50' | 'preact-resnet18' | 'resnext' | 'densenet';

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
  { id: 'alexnet', name: 'AlexNet', description: 'd2l 8.1: five convolutions (11×11 stride 4 first), three max-pools, a 4096-wide head; 1×224×224 in.', build: alexnet },
  { id: 'vgg', name: 'VGG-11', description: 'd2l 8.2: five vgg_blocks (64, 128, 2×256, 2×512, 2×512) and a 4096-wide head; 1×224×224 in.', build: () => vgg(VGG11, 'VGG-11') },
  { id: 'vgg-small', name: 'VGG-11 (small)', description: 'd2l 8.2: the same blocks with a quarter of the channels, as trained in the book; 1×224×224 in.', build: () => vgg(VGG11_SMALL, 'VGG-11 (small)') },
  { id: 'vgg16', name: 'VGG-16', description: 'd2l 8.2 exercise 3: vgg_blocks of 2×64, 2×128, 3×256, 3×512, 3×512 and the same head; 1×224×224 in.', build: () => vgg(VGG16, 'VGG-16') },
  { id: 'vgg19', name: 'VGG-19', description: 'd2l 8.2 exercise 3: vgg_blocks of 2×64, 2×128, 4×256, 4×512, 4×512 and the same head; 1×224×224 in.', build: () => vgg(VGG19, 'VGG-19') },
  { id: 'nin', name: 'NiN', description: 'd2l 8.3: four nin_blocks (a conv and two 1×1 convs each), max-pools, global average pooling; 1×224×224 in.', build: nin },
  { id: 'googlenet', name: 'GoogLeNet', description: 'd2l 8.4: b1..b5 with nine Inception blocks (four branches joined by Concat); 1×96×96 in.', build: googlenet },
  { id: 'resnet18', name: 'ResNet-18', description: 'd2l 8.6: b1 (7×7 stem), four stages of two Residual blocks, global average pool; 1×96×96 in.', build: () => resnet18() },
  { id: 'resnet50', name: 'ResNet-50', description: 'd2l 8.6 exercise 3: bottleneck blocks (1×1, 3×3, 1×1 ×4) in stages of 3, 4, 6, 3; 1×96×96 in.', build: () => resnet50() },
  { id: 'preact-resnet18', name: 'ResNet-18 (pre-act)', description: 'd2l 8.6 exercise 4: ResNet-18 with pre-activation blocks (BN, ReLU, conv; no ReLU after the sum); 1×96×96 in.', build: () => preactResnet18() },
  { id: 'resnext', name: 'ResNeXt', description: 'd2l 8.6.5 ResNeXt blocks (grouped 3×3 convolutions) in d2l 8.8\'s RegNetX-32: stem, stages of 4 and 6 blocks; 1×96×96 in.', build: resnext },
  { id: 'densenet', name: 'DenseNet', description: 'd2l 8.7: b1, four dense blocks (4 conv blocks, growth 32) with transition blocks between; 1×96×96 in.', build: () => densenet() },
];

export function getTemplate(id: string): GraphDoc | null {
  return TEMPLATES.find((t) => t.id === id)?.build() ?? null;
}
