/**
 * BatchNorm2d/1d with PyTorch's running statistics. tfjs-layers' BatchNormalization updates its
 * moving variance with the biased batch variance; PyTorch uses the unbiased one (n/(n−1), n = the
 * values per channel in the batch), and writes momentum the other way round:
 * running = (1 − m)·running + m·batch. Normalisation itself (biased variance, eps inside the root)
 * is the same. Weights keep tfjs's names (gamma, beta, moving_mean, moving_variance).
 */

import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape, type SymbolicTensor } from '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;

interface Config {
  name?: string;
  /** PyTorch's convention (0.1 by default). */
  momentum: number;
  epsilon: number;
}

export class TorchBatchNorm extends layers.Layer {
  static readonly className = 'ConvStudioTorchBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: LayerVariable;
  private beta!: LayerVariable;
  private movingMean!: LayerVariable;
  private movingVariance!: LayerVariable;

  constructor(config: Config) {
    super({ name: config.name });
    this.momentum = config.momentum;
    this.epsilon = config.epsilon;
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = s[s.length - 1] as number;
    this.gamma = this.addWeight('gamma', [c], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const training = kwargs.training === true;
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const gamma = this.gamma.read();
      const beta = this.beta.read();
      if (!training) return tf.batchNorm(x, this.movingMean.read(), this.movingVariance.read(), beta, gamma, this.epsilon);
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      const y = tf.batchNorm(x, mean, variance, beta, gamma, this.epsilon);
      const n = x.size / x.shape[x.rank - 1];
      const m = this.momentum;
      // Assigning is not differentiable, so these updates add nothing to the gradients.
      const unbiased = tf.mul(variance, n > 1 ? n / (n - 1) : 1);
      this.movingMean.write(tf.add(tf.mul(this.movingMean.read(), 1 - m), tf.mul(mean, m)));
      this.movingVariance.write(tf.add(tf.mul(this.movingVariance.read(), 1 - m), tf.mul(unbiased, m)));
      return y;
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

serialization.registerClass(TorchBatchNorm);

export function torchBatchNorm(x: SymbolicTensor, config: Config): SymbolicTensor {
  return new TorchBatchNorm(config).apply(x) as SymbolicTensor;
}
