/**
 * The layer modules (shared/layers/): the catalogue is their spec, a new node is valid as
 * dropped, and Residual is exactly the graph of ordinary layers it expands to.
 */

import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../shared/graph/catalogue';
import { checkParams } from '../../../shared/graph/resolve';
import type { GraphDoc } from '../../../shared/graph/types';
import { initialParams, LAYER_LIST } from '../../../shared/layers/index';
import { analyzeGraph } from '../../../shared/shapes/index';
import { getTemplate } from '../../../shared/templates/index';
import { chainOf, expandResiduals, input } from './helpers';

describe('the catalogue is the layer modules\' spec', () => {
  it('in palette order, as plain data', () => {
    expect(CATALOGUE.map((s) => s.type)).toEqual(LAYER_LIST.map((l) => l.type));
    expect(structuredClone(CATALOGUE)).toEqual(CATALOGUE);
  });
});

describe('a node dropped from the palette is valid at once', () => {
  it.each(CATALOGUE.filter((s) => s.inputs !== 0).map((s) => [s.type] as const))('%s', (type) => {
    const params = initialParams(type);
    expect(checkParams({ id: 'n', type, params }).diagnostics).toEqual([]);
    // After a 16-channel map (Residual keeps its 16 channels) or, for the layers that need one, a flat tensor.
    const onMap = chainOf([input(16, 8), ['n', type, params]]);
    const onFlat = chainOf([input(16, 8), ['f', 'Flatten'], ['n', type, params]]);
    if (CATALOGUE.find((s) => s.type === type)?.inputs === 'many') {
      onMap.nodes.push({ id: 'm', type: 'ReLU', params: {} });
      onMap.edges.push({ source: 'input', target: 'm' }, { source: 'm', target: 'n' });
    }
    const ok = [onMap, onFlat].filter((doc) => analyzeGraph(doc).ok);
    expect(ok.length).toBeGreaterThan(0);
  });

  it('a fresh copy each time: editing one new node leaves the next alone', () => {
    const a = initialParams('Conv2d');
    a.out_channels = 99;
    expect(initialParams('Conv2d').out_channels).not.toBe(99);
  });
});

describe('Residual is exactly its inside', () => {
  const cases: [string, GraphDoc][] = [
    ['identity shortcut', chainOf([input(3, 6), ['r', 'Residual', { num_channels: 3 }]])],
    ['1×1 shortcut, stride 2', chainOf([input(3, 7, 5), ['r', 'Residual', { num_channels: 6, use_1x1conv: true, strides: 2 }]])],
    ['ResNet-18', getTemplate('resnet18') as GraphDoc],
  ];
  it.each(cases)('%s: shapes, params, MACs and receptive field of the expanded graph', (_name, doc) => {
    const block = analyzeGraph(doc);
    const flat = analyzeGraph(expandResiduals(doc));
    expect(block.ok && flat.ok).toBe(true);
    expect(flat.totals).toEqual(block.totals);
    for (const id of block.order) {
      const { shape, rf } = block.nodes[id];
      expect([id, flat.nodes[id].shape, flat.nodes[id].rf]).toEqual([id, shape, rf]);
    }
  });

  // Recorded with PyTorch 1.13 (/usr/bin/python3), d2l's Residual in eval mode: Residual(3,
  // strides=2) maps [1, 3, 1, 1] to [1, 3, 1, 1] with 180 parameters (a 1×1 map stays 1×1, so the
  // identity shortcut fits); on [1, 3, 1, 2] it raises (output [1, 3, 1, 1] vs the broadcast shape).
  it('an identity shortcut is refused exactly when PyTorch refuses it', () => {
    const tiny = analyzeGraph(chainOf([input(3, 1), ['r', 'Residual', { num_channels: 3, strides: 2 }]]));
    expect(tiny.diagnostics).toEqual([]);
    expect(tiny.nodes.r.shape).toEqual([1, 3, 1, 1]);
    expect(tiny.nodes.r.params).toBe(180);
    const wide = analyzeGraph(chainOf([input(3, 1, 2), ['r', 'Residual', { num_channels: 3, strides: 2 }]]));
    expect(wide.diagnostics.map((d) => [d.code, d.message])).toEqual([['residual-shortcut',
      'Residual r: the shortcut adds the input 3×1×2 to the block\'s output 3×1×1; they differ in size (1×2 vs 1×1, strides 2). Set use_1x1conv to true, or num_channels 3 and strides 1.']]);
  });
});
