/** The training plan: one check of an untrusted graph and config, one error value. */

import { describe, expect, it } from 'vitest';
import type { GraphDoc, GraphNode, ParamValue } from '../../../shared/graph/types';
import { getTemplate } from '../../../shared/templates/index';
import { planTraining } from '../../../shared/training/plan';
import { DEFAULT_TRAIN_CONFIG, SETTINGS } from '../../../shared/training/settings';

/** Input → layers (ids n1, n2, ...). */
function chain(input: [number, number, number], ...layers: [string, Record<string, ParamValue>][]): GraphDoc {
  const nodes: GraphNode[] = [{ id: 'in', type: 'Input', params: { channels: input[0], height: input[1], width: input[2] } }];
  layers.forEach(([type, params], i) => nodes.push({ id: `n${i + 1}`, type, params }));
  return { format: 'convstudio.graph', version: 2, name: 'test', nodes, edges: nodes.slice(1).map((n, i) => ({ source: nodes[i].id, target: n.id })) };
}

const head: [string, Record<string, ParamValue>][] = [['Flatten', {}], ['Linear', { out_features: 10 }]];

describe('planTraining', () => {
  it('turns a sound graph and partial settings into a plan: the document, its analysis, every setting, the image size', () => {
    const planned = planTraining(getTemplate('lenet'), { epochs: 2 });
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    const { doc, analysis, config, imageSize } = planned.value;
    expect(doc.nodes.length).toBe(getTemplate('lenet')!.nodes.length);
    expect(analysis.ok).toBe(true);
    expect(analysis.totals.params).toBe(61_706);
    expect(config).toEqual({ ...DEFAULT_TRAIN_CONFIG, epochs: 2 });
    expect(imageSize).toBe(28);
  });

  it.each([
    ['no resize', null],
    ['a resize equal to the Input', 96],
  ])('trains at the Input\'s size with %s', (_what, resize) => {
    const planned = planTraining(chain([1, 96, 96], ...head), { resize });
    expect(planned.ok && planned.value.imageSize).toBe(96);
  });

  it('reads JSON text too, and names where a document that is not a graph came from', () => {
    const planned = planTraining('{"format": "something-else"}', {}, { source: 'graph.json' });
    expect(planned).toMatchObject({ ok: false, error: { code: 'invalid-graph' } });
    if (!planned.ok) expect(planned.error.message).toMatch(/^graph\.json is not a valid convstudio\.graph document:\n {2}- /);
  });

  it('checks in the order a user fixes things: the graph\'s errors before the settings, the settings before readiness', () => {
    const broken = chain([3, 28, 28], ['Conv2d', { out_channels: 4, kernel_size: 40 }], ...head);
    expect(planTraining(broken, { epochs: 0 })).toMatchObject({ ok: false, error: { code: 'invalid-graph', diagnostics: [{ nodeId: 'n1' }] } });
    const rgb = chain([3, 28, 28], ...head);
    expect(planTraining(rgb, { epochs: 0 })).toMatchObject({ ok: false, error: { code: 'bad-request', settings: { epochs: expect.stringContaining('epochs') } } });
    expect(planTraining(rgb, {})).toMatchObject({ ok: false, error: { code: 'not-trainable' } });
  });

  const { min, max } = SETTINGS.resize;
  it.each([
    ['an output that is not 10 classes', chain([1, 28, 28], ['Flatten', {}], ['Linear', { out_features: 7 }]), {}, 'not-10-classes', 'n2', /10 class scores/],
    ['a 3-channel Input', chain([3, 28, 28], ...head), {}, 'input-channels', 'in', /1 channel/],
    ['a non-square Input', chain([1, 28, 32], ...head), {}, 'input-not-square', 'in', /28×32/],
    ['a resize that disagrees with the Input', chain([1, 32, 32], ...head), { resize: 64 }, 'resize-mismatch', 'in', /resize is 64 but the graph's Input is 32×32/],
    ['an Input above the largest resize', chain([1, max + 1, max + 1], ...head), {}, 'image-size', 'in', new RegExp(`up to ${max}×${max}`)],
    ['an Input below the smallest resize', chain([1, min - 1, min - 1], ...head), {}, 'image-size', 'in', new RegExp(`${min}×${min} up to`)],
  ])('refuses %s as not-trainable, with a diagnostic on the node concerned', (_what, graph, config, code, nodeId, message) => {
    const planned = planTraining(graph, config);
    expect(planned).toMatchObject({ ok: false, error: { code: 'not-trainable', diagnostics: [{ severity: 'error', code, nodeId }] } });
    if (!planned.ok) expect(planned.error.message).toMatch(message);
  });

  it('keeps every problem as a diagnostic but lists only the first ten in the message', () => {
    const empty = Array.from({ length: 50 }, () => ['Conv2d', { out_channels: 0, kernel_size: 1 }] as [string, Record<string, ParamValue>]);
    const planned = planTraining(chain([1, 28, 28], ...empty, ...head), {});
    expect(planned.ok).toBe(false);
    if (planned.ok) return;
    expect(planned.error.diagnostics).toHaveLength(50);
    expect(planned.error.message.split('\n')).toHaveLength(1 + 10 + 1);
    expect(planned.error.message).toMatch(/and 40 more$/);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 5],
    ['a list', []],
  ])('never throws, whatever the graph: %s', (_what, graph) => {
    expect(planTraining(graph, undefined)).toMatchObject({ ok: false, error: { code: 'invalid-graph' } });
  });
});

describe('planTraining: memory, before Start', () => {
  const GB = 2 ** 30;
  const wide = chain([1, 224, 224], ['Conv2d', { out_channels: 256, kernel_size: 3, padding: 1 }], ['AdaptiveAvgPool2d', { output_size: 1 }], ...head);

  it('carries the estimate at the configured batch size', () => {
    const planned = planTraining(getTemplate('lenet'), { batchSize: 64 });
    expect(planned.ok && planned.value.memory.batch).toBe(64);
    expect(planned.ok && planned.value.memory.totals.total).toBeGreaterThan(0);
  });

  it('refuses a tensor tfjs cannot index, with no limit given', () => {
    const planned = planTraining(chain([1, 28, 28], ['Conv2d', { out_channels: 16_777_216, kernel_size: 3, padding: 1 }], ...head), {});
    expect(planned.ok).toBe(false);
    if (planned.ok) return;
    expect(planned.error.code).toBe('not-trainable');
    expect(planned.error.diagnostics?.map((d) => d.code)).toContain('tensor-too-large');
    expect(planned.error.message).toMatch(/^The graph cannot be trained at batch size 128:\n {2}- Conv2d n1: its output at batch size 128 has/);
  });

  it('refuses past the limit the host gives for the config, and plans within it', () => {
    const seen: string[] = [];
    const memoryLimit = (c: { backend: string }) => {
      seen.push(c.backend);
      return c.backend === 'wasm' ? { bytes: 4 * GB, what: 'the wasm backend’s memory' } : { bytes: 64 * GB, what: 'this machine’s memory' };
    };
    const onWasm = planTraining(wide, { backend: 'wasm', resize: 224 }, { memoryLimit });
    expect(onWasm.ok).toBe(false);
    if (!onWasm.ok) {
      expect(onWasm.error.diagnostics?.[0]).toMatchObject({ severity: 'error', code: 'memory' });
      expect(onWasm.error.message).toMatch(/the wasm backend’s memory is 4\.0 GB\. Lower the batch size \(\d+ would fit\)/);
    }
    expect(planTraining(wide, { backend: 'native', resize: 224 }, { memoryLimit }).ok).toBe(true);
    expect(planTraining(wide, { backend: 'wasm', resize: 224, batchSize: 16 }, { memoryLimit }).ok).toBe(true);
    expect(seen).toEqual(['wasm', 'native', 'wasm']);
  });
});
