/** The d2l-style layer table that the CLI prints. */

import { describe, expect, it } from 'vitest';
import { formatD2lSummary, formatSummary } from '../../../shared/graph/summary';
import { analyzeGraph } from '../../../shared/shapes/index';
import { getTemplate } from '../../../shared/templates/index';
import { chainOf, graph, input, type NodeSpecLite } from './helpers';

describe('formatSummary', () => {
  it('prints LeNet like d2l’s layer_summary, with params, MACs, receptive field and totals', () => {
    const doc = getTemplate('lenet')!;
    expect(formatSummary(doc, analyzeGraph(doc))).toBe([
      'LeNet — input 1×28×28',
      '─────────────────────────────────────────────────────────',
      'Layer     Type       Output shape     Params     MACs  RF',
      '─────────────────────────────────────────────────────────',
      'input     Input      [1, 1, 28, 28]        0        0   1',
      'conv1     Conv2d     [1, 6, 28, 28]      156  117,600   5',
      'sigmoid1  Sigmoid    [1, 6, 28, 28]        0        0   5',
      'pool1     AvgPool2d  [1, 6, 14, 14]        0        0   6',
      'conv2     Conv2d     [1, 16, 10, 10]   2,416  240,000  14',
      'sigmoid2  Sigmoid    [1, 16, 10, 10]       0        0  14',
      'pool2     AvgPool2d  [1, 16, 5, 5]         0        0  16',
      'flatten   Flatten    [1, 400]              0        0  16',
      'fc1       Linear     [1, 120]         48,120   48,000  28',
      'sigmoid3  Sigmoid    [1, 120]              0        0  28',
      'fc2       Linear     [1, 84]          10,164   10,080  28',
      'sigmoid4  Sigmoid    [1, 84]               0        0  28',
      'fc3       Linear     [1, 10]             850      840  28',
      '─────────────────────────────────────────────────────────',
      'Total params: 61,706 (61.7 k)',
      'Total MACs: 416,520 (416.5 k) per image',
      'Valid.',
    ].join('\n'));
  });

  it('marks failing rows and leaves unknown counts blank rather than zero', () => {
    const doc = chainOf([input(1, 4), ['big', 'Conv2d', { out_channels: 2, kernel_size: 7 }], ['after', 'ReLU']]);
    const text = formatSummary(doc, analyzeGraph(doc));
    expect(text).toMatch(/big ! +Conv2d +— +— +—\n/);
    expect(text).toMatch(/after +ReLU +— +— +—\n/);
    expect(text.endsWith('Invalid: 1 error (rows marked !).')).toBe(true);
  });

  it('prints totals past 2^53 in scientific notation, not as invented digits', () => {
    // 9 Linears of 2^26 × 2^24 weights: 1.1e15 parameters each, exact; 1.0e16 together, not.
    const nodes: NodeSpecLite[] = [input(1, 8192), ['flat', 'Flatten'], ['add', 'Add']];
    const edges: [string, string][] = [['input', 'flat']];
    for (let i = 0; i < 9; i++) {
      nodes.push([`fc${i}`, 'Linear', { out_features: 16_777_216 }]);
      edges.push(['flat', `fc${i}`], [`fc${i}`, 'add']);
    }
    const doc = graph(nodes, edges);
    const lines = formatSummary(doc, analyzeGraph(doc)).split('\n');
    expect(lines.find((l) => l.startsWith('fc0'))).toMatch(/\[1, 16777216\] +1,125,899,923,619,840 +1,125,899,906,842,624/);
    expect(lines).toContain('Total params: 1.01e+16');
    expect(lines).toContain('Total MACs: 1.01e+16 per image');
  });
});

describe('formatD2lSummary', () => {
  it('prints d2l 7.6’s LeNet layer_summary line for line', () => {
    // As d2l 7.6 prints `model.layer_summary((1, 1, 28, 28))`.
    const printed = `Conv2d output shape:\t torch.Size([1, 6, 28, 28])
Sigmoid output shape:\t torch.Size([1, 6, 28, 28])
AvgPool2d output shape:\t torch.Size([1, 6, 14, 14])
Conv2d output shape:\t torch.Size([1, 16, 10, 10])
Sigmoid output shape:\t torch.Size([1, 16, 10, 10])
AvgPool2d output shape:\t torch.Size([1, 16, 5, 5])
Flatten output shape:\t torch.Size([1, 400])
Linear output shape:\t torch.Size([1, 120])
Sigmoid output shape:\t torch.Size([1, 120])
Linear output shape:\t torch.Size([1, 84])
Sigmoid output shape:\t torch.Size([1, 84])
Linear output shape:\t torch.Size([1, 10])`;
    expect(formatD2lSummary(analyzeGraph(getTemplate('lenet')!))).toBe(printed);
  });

  it('stops where PyTorch would raise', () => {
    const a = analyzeGraph(chainOf([input(1, 4), ['r', 'ReLU'], ['big', 'Conv2d', { out_channels: 2, kernel_size: 7 }], ['after', 'ReLU']]));
    expect(formatD2lSummary(a)).toBe('ReLU output shape:\t torch.Size([1, 1, 4, 4])');
  });
});
