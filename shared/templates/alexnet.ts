import type { GraphDoc } from '../graph/types';
import { chain, input } from './chain';

/** d2l 8.1: AlexNet for 1×224×224 Fashion-MNIST: five convolutions, three max-pools, the 4096-wide head. */
export function alexnet(): GraphDoc {
  return chain('AlexNet', [
    input(1, 224),
    { id: 'conv1', type: 'Conv2d', params: { out_channels: 96, kernel_size: 11, stride: 4, padding: 1 } },
    { id: 'relu1', type: 'ReLU' },
    { id: 'pool1', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2 } },
    { id: 'conv2', type: 'Conv2d', params: { out_channels: 256, kernel_size: 5, padding: 2 } },
    { id: 'relu2', type: 'ReLU' },
    { id: 'pool2', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2 } },
    { id: 'conv3', type: 'Conv2d', params: { out_channels: 384, kernel_size: 3, padding: 1 } },
    { id: 'relu3', type: 'ReLU' },
    { id: 'conv4', type: 'Conv2d', params: { out_channels: 384, kernel_size: 3, padding: 1 } },
    { id: 'relu4', type: 'ReLU' },
    { id: 'conv5', type: 'Conv2d', params: { out_channels: 256, kernel_size: 3, padding: 1 } },
    { id: 'relu5', type: 'ReLU' },
    { id: 'pool3', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2 } },
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc1', type: 'Linear', params: { out_features: 4096 } },
    { id: 'relu6', type: 'ReLU' },
    { id: 'dropout1', type: 'Dropout', params: { p: 0.5 } },
    { id: 'fc2', type: 'Linear', params: { out_features: 4096 } },
    { id: 'relu7', type: 'ReLU' },
    { id: 'dropout2', type: 'Dropout', params: { p: 0.5 } },
    { id: 'fc3', type: 'Linear', params: { out_features: 10 } },
  ]);
}
