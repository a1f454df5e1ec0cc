/**
 * What the training data is, for the checks that run before any file is read: the settings'
 * bounds (a subset cannot exceed the split) and the plan (a network must take 1 channel and
 * end in 10 class scores).
 */

export const FASHION_MNIST = {
  trainSamples: 60_000,
  testSamples: 10_000,
  /** Images are side × side pixels. */
  side: 28,
  channels: 1,
  classes: 10,
} as const;

/** The labels, index = class (Zalando's names, as torchvision's FashionMNIST.classes). */
export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;
