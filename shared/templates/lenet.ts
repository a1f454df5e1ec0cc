import type { GraphDoc } from '../graph/types';
import { chain, input } from './chain';

/** d2l 7.6: LeNet-5 with sigmoids and average pooling, 1×28×28 in. */
export function lenet(): GraphDoc {
  return chain('LeNet', [
    input(1, 28),
    { id: 'conv1', type: 'Conv2d', params: { out_channels: 6, kernel_size: 5, padding: 2 } },
    { id: 'sigmoid1', type: 'Sigmoid' },
    { id: 'pool1', type: 'AvgPool2d', params: { kernel_size: 2, stride: 2 } },
    { id: 'conv2', type: 'Conv2d', params: { out_channels: 16, kernel_size: 5 } },
    { id: 'sigmoid2', type: 'Sigmoid' },
    { id: 'pool2', type: 'AvgPool2d', params: { kernel_size: 2, stride: 2 } },
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc1', type: 'Linear', params: { out_features: 120 } },
    { id: 'sigmoid3', type: 'Sigmoid' },
    { id: 'fc2', type: 'Linear', params: { out_features: 84 } },
    { id: 'sigmoid4', type: 'Sigmoid' },
    { id: 'fc3', type: 'Linear', params: { out_features: 10 } },
  ]);
}

/** d2l 8.5: LeNet with batch normalisation after every conv and dense layer (no padding on conv1). */
export function bnLenet(): GraphDoc {
  return chain('BN-LeNet', [
    input(1, 28),
    { id: 'conv1', type: 'Conv2d', params: { out_channels: 6, kernel_size: 5 } },
    { id: 'bn1', type: 'BatchNorm2d' },
    { id: 'sigmoid1', type: 'Sigmoid' },
    { id: 'pool1', type: 'AvgPool2d', params: { kernel_size: 2, stride: 2 } },
    { id: 'conv2', type: 'Conv2d', params: { out_channels: 16, kernel_size: 5 } },
    { id: 'bn2', type: 'BatchNorm2d' },
    { id: 'sigmoid2', type: 'Sigmoid' },
    { id: 'pool2', type: 'AvgPool2d', params: { kernel_size: 2, stride: 2 } },
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc1', type: 'Linear', params: { out_features: 120 } },
    { id: 'bn3', type: 'BatchNorm1d' },
    { id: 'sigmoid3', type: 'Sigmoid' },
    { id: 'fc2', type: 'Linear', params: { out_features: 84 } },
    { id: 'bn4', type: 'BatchNorm1d' },
    { id: 'sigmoid4', type: 'Sigmoid' },
    { id: 'fc3', type: 'Linear', params: { out_features: 10 } },
  ]);
}
