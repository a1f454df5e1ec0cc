/**
 * Blocks on the canvas, through the real store: grouping keeps every number of the network,
 * opening a block shows its inside with the opened node's shapes and edits the definition,
 * built-in insides cannot be edited until copied, undo restores the level too, and templates'
 * blocks join a document's without clashing.
 */

import { beforeEach, describe, expect, it } from 'vitest';
import { fromDoc } from '../../../renderer/model/graph-model';
import { groupIntoBlock, groupRefusal } from '../../../renderer/blocks/group';
import { mergeBlocks } from '../../../renderer/blocks/merge';
import { usesOf } from '../../../renderer/blocks/view';
import { useStore } from '../../../renderer/store/index';
import { emptyDoc } from '../../../renderer/store/graph-slice';
import { parseGraph } from '../../../shared/graph/parse';
import type { GraphDoc } from '../../../shared/graph/types';
import { analyzeGraph } from '../../../shared/shapes/index';
import { getTemplate, TEMPLATES } from '../../../shared/templates/index';

const store = () => useStore.getState();
const select = (...ids: string[]) => useStore.setState({ nodes: store().nodes.map((n) => ({ ...n, selected: ids.includes(n.id) })) });

beforeEach(() => store().loadDoc(emptyDoc()));

describe('grouping a selection into a block', () => {
  // Every run of consecutive layers of a chain template, grouped, leaves the network as it was.
  const runs = (['lenet', 'bn-lenet', 'alexnet'] as const).flatMap((t) => {
    const ids = getTemplate(t)!.nodes.map((n) => n.id).slice(1);
    return [[t, ids.slice(0, 3)], [t, ids.slice(2, 6)], [t, ids.slice(-2)], [t, ids]] as [string, string[]][];
  });
  it.each(runs.map(([t, ids]) => [`${t}: ${ids.join(', ')}`, t, ids] as const))('%s: the same shapes, params and MACs after grouping', (_title, t, ids) => {
    const doc = getTemplate(t)!;
    const { nodes, edges } = fromDoc(doc);
    const r = groupIntoBlock(nodes, edges, new Set(ids), 'grp', {});
    if ('error' in r) throw new Error(r.error);
    store().loadDoc(doc);
    store().commitView(r.nodes, r.edges, { blocks: { grp: r.def } });
    const before = analyzeGraph(doc);
    const after = analyzeGraph(store().graphDoc());
    expect(after.diagnostics).toEqual([]);
    expect(after.totals).toEqual(before.totals);
    expect(after.nodes[r.nodeId].shape).toEqual(before.nodes[ids[ids.length - 1]].shape);
    expect(store().graphDoc().nodes.length).toBe(doc.nodes.length - ids.length + 1);
    // The saved file reads back as it is.
    expect(parseGraph(JSON.stringify(store().graphDoc())).doc).toEqual(store().graphDoc());
  });

  it.each([
    ['nothing selected', [], 'Select the layers to group first'],
    ['the Input', ['input', 'conv1'], 'The Input input cannot go inside a block'],
    ['layers fed from two places', ['m', 'sigmoid1'], 'takes input from'],
    ['results leaving from two layers', ['conv1', 'a'], 'Results leave the selection from'],
  ] as const)('refuses %s, saying why', (_name, ids, why) => {
    const doc = getTemplate('lenet')!;
    // conv1 also feeds a side branch a → m (an Add with sigmoid1's output).
    doc.nodes.push({ id: 'a', type: 'ReLU', params: {} }, { id: 'm', type: 'Add', params: {} });
    doc.edges.push({ source: 'conv1', target: 'a' }, { source: 'a', target: 'm' }, { source: 'sigmoid1', target: 'm' });
    const { nodes, edges } = fromDoc(doc);
    expect(groupRefusal(nodes, edges, new Set(ids))).toContain(why);
  });

  it('refuses a name that is not one, or is taken', () => {
    const { nodes, edges } = fromDoc(getTemplate('lenet')!);
    const one = new Set(['conv1']);
    expect(groupIntoBlock(nodes, edges, one, 'my block', {})).toEqual({ error: '"my block" cannot name a block: use letters, digits and _, starting with a letter (like vgg_block).' });
    expect(groupIntoBlock(nodes, edges, one, 'conv', { conv: {} })).toEqual({ error: 'A block named conv already exists; choose another name.' });
  });

  it('through the store: one undo step, and redo', () => {
    store().loadDoc(getTemplate('lenet')!);
    select('conv1', 'sigmoid1', 'pool1');
    expect(store().groupSelected('stage')).toBeNull();
    expect(store().nodes.map((n) => n.id)).toContain('stage_1');
    expect(store().nodeViews.stage_1.shape).toBe('6×14×14');
    store().undo();
    expect(store().nodes.map((n) => n.id)).toContain('sigmoid1');
    expect(store().blocks).toEqual({});
    store().redo();
    expect(Object.keys(store().blocks)).toEqual(['stage']);
  });
});

describe('an open block', () => {
  it('shows its definition with the opened node’s shapes; an edit changes every node of the block', () => {
    store().loadDoc(getTemplate('vgg-small')!);
    expect(store().openBlock('b2')).toBe(true);
    expect(store().nodes.map((n) => n.id).sort()).toEqual(['convs', 'in', 'pool']);
    // vgg_block(1, 32) on b1's 16×112×112.
    expect([store().nodeViews.in.shape, store().nodeViews.convs.shape, store().nodeViews.pool.shape]).toEqual(['16×112×112', '32×112×112', '32×56×56']);
    expect(store().edgeViews['convs->pool'].label).toBe('32×112×112');
    store().setParam('pool', 'kernel_size', 4);
    store().setParam('pool', 'stride', 4);
    // b1, which uses the same block, now gives 16×56×56; b2 quarters that again.
    expect([store().nodeViews.in.shape, store().nodeViews.pool.shape]).toEqual(['16×56×56', '32×14×14']);
    store().leaveBlock();
    expect(store().frames).toEqual([]);
    const a = analyzeGraph(store().graphDoc());
    // Every vgg_block now quarters H×W: 224 → 56 → 14 → 3 → 0, so b4 fails.
    expect([a.nodes.b1.shape, a.nodes.b2.shape, a.nodes.b3.shape]).toEqual([[1, 16, 56, 56], [1, 32, 14, 14], [1, 64, 3, 3]]);
    expect(a.nodes.b4.diagnostics[0].message).toContain('MaxPool2d b4.pool');
    // Undo goes back to before the last edit, which was made inside b2.
    store().undo();
    expect([store().frames.length, store().nodes.find((n) => n.id === 'pool')!.data.params.stride]).toEqual([1, 2]);
  });

  it('nests: a repeated block inside a block opens on its first copy', () => {
    store().loadDoc(getTemplate('vgg-small')!);
    store().openBlock('b3');
    store().openBlock('convs');
    expect(store().frames.map((f) => [f.nodeId, f.block, f.copy])).toEqual([['b3', 'vgg_block', false], ['convs', 'conv_relu', true]]);
    expect([store().nodeViews.in.shape, store().nodeViews.conv.shape]).toEqual(['32×56×56', '64×56×56']);
    store().setParam('conv', 'out_channels', '$out_channels * 2');
    store().leaveBlock(0);
    expect(analyzeGraph(store().graphDoc()).nodes.b3.shape).toEqual([1, 128, 28, 28]);
  });

  it('a built-in block’s inside is read-only until copied; the copy computes the same', () => {
    const doc = getTemplate('lenet')!;
    doc.nodes.splice(2, 0, { id: 'r', type: 'Residual', params: { num_channels: 6 } });
    doc.edges = doc.nodes.slice(1).map((n, i) => ({ source: doc.nodes[i].id, target: n.id }));
    store().loadDoc(doc);
    const before = analyzeGraph(store().graphDoc()).totals;
    store().openBlock('r');
    expect(store().frames.at(-1)!.block).toBeNull();
    expect(store().nodeViews.add.shape).toBe('6×28×28');
    const nodes = store().nodes;
    store().setParam('conv1', 'kernel_size', 5);
    expect(store().nodes).toBe(nodes);
    expect(store().toasts.at(-1)!.text).toContain('built in');
    expect(store().makeEditable()).toBe('residual');
    store().setParam('conv2', 'kernel_size', 5);
    store().setParam('conv2', 'padding', 2);
    store().leaveBlock(0);
    const copy = store().graphDoc();
    expect(copy.nodes.find((n) => n.id === 'r')).toMatchObject({ type: 'block:residual', params: { num_channels: 6 } });
    const a = analyzeGraph(copy);
    expect(a.diagnostics).toEqual([]);
    // Only conv2's kernel grew: 6·6·(25 − 9) more weights.
    expect(a.totals.params).toBe(before.params + 6 * 6 * 16);
  });

  it('a copy of a Residual inside a block keeps its params as expressions, so every stage still fits', () => {
    store().loadDoc(getTemplate('resnet18')!);
    const before = analyzeGraph(store().graphDoc());
    store().openBlock('b3');
    store().openBlock('res1');
    // res1's use_1x1conv is "$use_1x1conv": which layers it has differs from stage to stage.
    expect(store().makeEditable()).toBeNull();
    expect(store().toasts.at(-1)!.text).toContain('use_1x1conv');
    store().leaveBlock();
    store().openBlock('res2');
    expect(store().makeEditable()).toBe('residual');
    store().leaveBlock(0);
    const after = analyzeGraph(store().graphDoc());
    expect(after.diagnostics).toEqual([]);
    expect(after.totals).toEqual(before.totals);
    expect(['b2', 'b3', 'b4', 'b5'].map((id) => after.nodes[id].shape)).toEqual(['b2', 'b3', 'b4', 'b5'].map((id) => before.nodes[id].shape));
  });

  it('repeat and expanded are kept in the document; a layer has nothing to open', () => {
    store().loadDoc(getTemplate('lenet')!);
    store().setRepeat('sigmoid1', 2);
    store().setExpanded('sigmoid1', true);
    expect(store().graphDoc().nodes.find((n) => n.id === 'sigmoid1')).toMatchObject({ repeat: 2, expanded: true });
    expect(store().openBlock('conv1')).toBe(false);
    store().setRepeat('sigmoid1', null);
    expect(store().graphDoc().nodes.find((n) => n.id === 'sigmoid1')!.repeat).toBeUndefined();
  });
});

describe('how often a network applies a block (what an edit inside it changes)', () => {
  it.each([
    ['vgg', 'vgg_block', 5], ['vgg', 'conv_relu', 8], ['vgg19', 'conv_relu', 16],
    ['resnet50', 'BottleneckDown', 4], ['resnet50', 'Bottleneck', 2 + 3 + 5 + 2], ['preact-resnet18', 'PreActResidual', 2 + 3],
    ['densenet', 'conv_block', 16], ['googlenet', 'Inception', 9], ['googlenet', 'b1', 1], ['lenet', 'anything', 0],
  ] as const)('%s uses %s %i times', (t, name, n) => {
    const doc = getTemplate(t)!;
    expect(usesOf(name, doc, analyzeGraph(doc))).toBe(n);
  });
});

describe('templates’ blocks joining a document', () => {
  it('a block already there is shared; a different one with the name is renamed', () => {
    const resnet = getTemplate('resnet18')!;
    const googlenet = getTemplate('googlenet')!;
    const again = mergeBlocks(getTemplate('resnet18')!, resnet.blocks!);
    expect(Object.keys(again.blocks)).toEqual(Object.keys(resnet.blocks!));
    const both = mergeBlocks(googlenet, resnet.blocks!);
    expect(both.doc.nodes.find((n) => n.id === 'b1')!.type).toBe('block:b1_2');
    const doc: GraphDoc = { ...both.doc, blocks: both.blocks };
    expect(analyzeGraph(doc).diagnostics).toEqual([]);
    expect(analyzeGraph(doc).totals.params).toBe(analyzeGraph(googlenet).totals.params);
  });

  it.each(TEMPLATES.map((t) => [t.id] as const))('%s arrives on the canvas valid, with its blocks', (id) => {
    store().addTemplate(id, null);
    const a = analyzeGraph(store().graphDoc());
    expect(a.diagnostics).toEqual([]);
    expect(a.totals).toEqual(analyzeGraph(getTemplate(id)!).totals);
  });
});

describe('the Kernel lab\'s "use this kernel" while a block is open', () => {
  it('goes back to the top level and puts the kernel after the network\'s Input, wired', () => {
    store().loadDoc(getTemplate('vgg-small')!);
    const top = store().nodes.find((n) => n.data.type === 'Input')!;
    const firstBlock = store().graphDoc().edges.find((e) => e.source === top.id)!.target;
    expect(store().openBlock(firstBlock)).toBe(true);
    expect(store().frames.length).toBe(1);
    const id = store().insertAfterInput({ type: 'Conv2d', params: { out_channels: 1, kernel_size: 3, padding: 1, bias: false }, init: { weight: Array(9).fill(0.1) } });
    expect(store().frames).toEqual([]);
    const doc = store().graphDoc();
    expect(doc.edges).toContainEqual(expect.objectContaining({ source: top.id, target: id }));
    expect(doc.edges).toContainEqual(expect.objectContaining({ source: id, target: firstBlock }));
    expect(analyzeGraph(doc).ok).toBe(true);
  });
});
