import type { BlockDef, GraphDoc } from '../graph/types';
import { chain, chainBlock, graphBlock, input, intParam, type Layer } from './chain';

const pair = (name: string, doc: string) => ({ name, type: 'intPair' as const, min: 1, doc });

/**
 * d2l 8.4's Inception(c1, c2, c3, c4): four branches joined by Concat in the order b1, b2, b3, b4
 * (1×1; 1×1 then 3×3; 1×1 then 5×5; 3×3 max-pool then 1×1), each ending in a ReLU.
 */
const INCEPTION: BlockDef = graphBlock([
  intParam('c1', 'Channels of branch 1 (1×1).'),
  pair('c2', 'Channels of branch 2: [1×1, 3×3].'),
  pair('c3', 'Channels of branch 3: [1×1, 5×5].'),
  intParam('c4', 'Channels of branch 4 (after the max-pool).'),
], [
  { id: 'b1_1', type: 'Conv2d', params: { out_channels: '$c1', kernel_size: 1 }, from: ['in'] },
  { id: 'relu1', type: 'ReLU', from: ['b1_1'] },
  { id: 'b2_1', type: 'Conv2d', params: { out_channels: '$c2[0]', kernel_size: 1 }, from: ['in'] },
  { id: 'relu2_1', type: 'ReLU', from: ['b2_1'] },
  { id: 'b2_2', type: 'Conv2d', params: { out_channels: '$c2[1]', kernel_size: 3, padding: 1 }, from: ['relu2_1'] },
  { id: 'relu2_2', type: 'ReLU', from: ['b2_2'] },
  { id: 'b3_1', type: 'Conv2d', params: { out_channels: '$c3[0]', kernel_size: 1 }, from: ['in'] },
  { id: 'relu3_1', type: 'ReLU', from: ['b3_1'] },
  { id: 'b3_2', type: 'Conv2d', params: { out_channels: '$c3[1]', kernel_size: 5, padding: 2 }, from: ['relu3_1'] },
  { id: 'relu3_2', type: 'ReLU', from: ['b3_2'] },
  { id: 'b4_1', type: 'MaxPool2d', params: { kernel_size: 3, stride: 1, padding: 1 }, from: ['in'] },
  { id: 'b4_2', type: 'Conv2d', params: { out_channels: '$c4', kernel_size: 1 }, from: ['b4_1'] },
  { id: 'relu4', type: 'ReLU', from: ['b4_2'] },
  { id: 'cat', type: 'Concat', from: ['relu1', 'relu2_2', 'relu3_2', 'relu4'] },
], { doc: 'd2l 8.4: four parallel branches (1×1; 1×1→3×3; 1×1→5×5; max-pool→1×1) concatenated on channels.' });

const pool = (id: string): Layer => ({ id, type: 'MaxPool2d', params: { kernel_size: 3, stride: 2, padding: 1 } });
const inception = (id: string, c1: number, c2: [number, number], c3: [number, number], c4: number): Layer => ({ id, type: 'block:Inception', params: { c1, c2, c3, c4 } });

/** d2l 8.4's GoogleNet methods b1()..b5(), one block each, and the Inception block they use. */
export const GOOGLENET_BLOCKS: Record<string, BlockDef> = {
  Inception: INCEPTION,
  b1: chainBlock([], [
    { id: 'conv', type: 'Conv2d', params: { out_channels: 64, kernel_size: 7, stride: 2, padding: 3 } },
    { id: 'relu', type: 'ReLU' },
    pool('pool'),
  ]),
  b2: chainBlock([], [
    { id: 'conv1', type: 'Conv2d', params: { out_channels: 64, kernel_size: 1 } },
    { id: 'relu1', type: 'ReLU' },
    { id: 'conv2', type: 'Conv2d', params: { out_channels: 192, kernel_size: 3, padding: 1 } },
    { id: 'relu2', type: 'ReLU' },
    pool('pool'),
  ]),
  b3: chainBlock([], [inception('inc1', 64, [96, 128], [16, 32], 32), inception('inc2', 128, [128, 192], [32, 96], 64), pool('pool')]),
  b4: chainBlock([], [
    inception('inc1', 192, [96, 208], [16, 48], 64), inception('inc2', 160, [112, 224], [24, 64], 64),
    inception('inc3', 128, [128, 256], [24, 64], 64), inception('inc4', 112, [144, 288], [32, 64], 64),
    inception('inc5', 256, [160, 320], [32, 128], 128), pool('pool'),
  ]),
  b5: chainBlock([], [
    inception('inc1', 256, [160, 320], [32, 128], 128), inception('inc2', 384, [192, 384], [48, 128], 128),
    { id: 'gap', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } },
    { id: 'flatten', type: 'Flatten' },
  ]),
};

/** d2l 8.4: GoogLeNet at 1×96×96: b1..b5 (nine Inception blocks) and a Linear classifier. */
export function googlenet(): GraphDoc {
  return chain('GoogLeNet', [
    input(1, 96),
    ...['b1', 'b2', 'b3', 'b4', 'b5'].map((id) => ({ id, type: `block:${id}` })),
    { id: 'fc', type: 'Linear', params: { out_features: 10 } },
  ], structuredClone(GOOGLENET_BLOCKS));
}
