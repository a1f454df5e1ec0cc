/**
 * Whether a node's fixed initial weights (GraphNode.init, written by the Kernel lab's "use this
 * kernel") still fit the layer: the kernel size or the channels may have been edited since, and
 * a compile must never reshape numbers into a kernel they were not. Only Conv2d takes them.
 */

import type { ResolvedParams } from '../layers/index';
import type { Diagnostic, GraphNode } from './types';

/** PyTorch's parameter shapes for a layer that can start from fixed weights, or null. */
export function initShapes(p: ResolvedParams, input: readonly number[]): { weight: number[]; bias: number[] | null } | null {
  if (p.type !== 'Conv2d') return null;
  // Grouped: each output channel sees its group's inputs only, PyTorch's [out, in / groups, kh, kw].
  return { weight: [p.out_channels, input[1] / p.groups, p.kernel[0], p.kernel[1]], bias: p.bias ? [p.out_channels] : null };
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** The problem with node.init for this layer and input, or null when it fits (or there is none). */
export function initProblem(node: GraphNode, p: ResolvedParams, input: readonly number[]): Diagnostic | null {
  const init = node.init;
  if (!init) return null;
  const where = `${node.type} ${node.id}`;
  const report = (message: string): Diagnostic => ({ severity: 'error', code: 'init-mismatch', nodeId: node.id, message });
  const shapes = initShapes(p, input);
  if (!shapes) return report(`${where} has fixed initial weights ("init"), but only Conv2d can start from them. Remove "init" from the node.`);
  const [out, cin, kh, kw] = shapes.weight;
  if (init.weight.length !== size(shapes.weight)) {
    return report(`${where}: its initial weights hold ${init.weight.length} values, but ${out} output × ${cin} input channels × a ${kh}×${kw} kernel need ${size(shapes.weight)}. Set kernel_size, out_channels and the input back to what the kernel was made for, or delete the layer and add the kernel again from the Kernel lab.`);
  }
  if (init.bias && !shapes.bias) return report(`${where}: its initial weights include a bias, but bias is off. Turn bias on, or remove the bias values.`);
  if (init.bias && shapes.bias && init.bias.length !== shapes.bias[0]) {
    return report(`${where}: its initial bias holds ${init.bias.length} values for ${out} output channels. Set out_channels to ${init.bias.length}.`);
  }
  return null;
}
