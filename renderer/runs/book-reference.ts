/**
 * What the book reached: the validation accuracy after 10 epochs of d2l 1.0.3's own runs (the
 * PyTorch edition), for the templates that are the book's networks. Only the final figure is
 * known here, not the whole curve, so the chart draws it as a marked point at epoch 10 with a
 * dotted line at its height, and says so in its legend.
 *
 * Where each figure comes from (d2l 1.0.3, PyTorch edition, the training plot under each section;
 * the figures as issue 10 recorded them from those plots):
 * - LeNet 0.728: section 7.6 (Convolutional Neural Networks (LeNet)), lr 0.1, batch 128, 10 epochs.
 * - BN-LeNet 0.876: section 8.5 (Batch Normalization), the from-scratch BN LeNet, lr 0.1, 10 epochs.
 * - VGG-11 (small) 0.896: section 8.2 (VGG), the network with a quarter of the channels, 224 px, lr 0.01.
 * - ResNet-18 0.903: section 8.6 (ResNet), 96 px, lr 0.01.
 */

import type { GraphDoc } from '../../shared/graph/types';
import { getTemplate } from '../../shared/templates/index';
import { networkFingerprint } from './fingerprint';

export interface BookFigure {
  template: string;
  label: string;
  epoch: number;
  valAcc: number;
  section: string;
}

export const BOOK_FIGURES: readonly BookFigure[] = [
  { template: 'lenet', label: 'LeNet', epoch: 10, valAcc: 0.728, section: '7.6' },
  { template: 'bn-lenet', label: 'BN-LeNet', epoch: 10, valAcc: 0.876, section: '8.5' },
  { template: 'vgg-small', label: 'VGG-11 (small)', epoch: 10, valAcc: 0.896, section: '8.2' },
  { template: 'resnet18', label: 'ResNet-18', epoch: 10, valAcc: 0.903, section: '8.6' },
];

let prints: Map<string, BookFigure> | null = null;

/** The book's figure for this graph when it is one of the book's networks, unchanged; otherwise null. */
export function bookFigureFor(graph: GraphDoc | null): BookFigure | null {
  if (!graph) return null;
  prints ??= new Map(BOOK_FIGURES.flatMap((f) => {
    const doc = getTemplate(f.template);
    return doc ? [[networkFingerprint(doc), f] as const] : [];
  }));
  return prints.get(networkFingerprint(graph)) ?? null;
}
