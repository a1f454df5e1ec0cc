/** ConvStudio's custom tfjs layers; importing this registers them for checkpoint loading. */
export { TorchFlatten, torchFlatten } from './torch-flatten';
export { PaddedMaxPool2d, paddedMaxPool2d } from './padded-max-pool';
export { AdaptiveAvgPool2d, adaptiveAvgPool2d, adaptiveWindows } from './adaptive-avg-pool';
export { TorchBatchNorm, torchBatchNorm } from './torch-batch-norm';
