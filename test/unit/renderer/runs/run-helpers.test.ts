import { describe, expect, it } from 'vitest';
import { BOOK_FIGURES, bookFigureFor } from '../../../../renderer/runs/book-reference';
import { networkFingerprint, sameNetwork } from '../../../../renderer/runs/fingerprint';
import { plateauHint, settingsText } from '../../../../renderer/runs/run-text';
import { blankRun, type RunData } from '../../../../renderer/store/training-slice';
import { getTemplate } from '../../../../shared/templates/index';
import { DEFAULT_TRAIN_CONFIG } from '../../../../shared/training';

const lenet = getTemplate('lenet')!;

describe('sameNetwork', () => {
  it('ignores ids, positions, names and order; sees a changed parameter or wire', () => {
    const renamed = new Map(lenet.nodes.map((n, i) => [n.id, `x${i}`]));
    const moved = {
      ...lenet, name: 'mine',
      nodes: [...lenet.nodes].reverse().map((n) => ({ ...n, id: renamed.get(n.id)!, position: { x: 5, y: 7 } })),
      edges: lenet.edges.map((e) => ({ ...e, source: renamed.get(e.source)!, target: renamed.get(e.target)! })),
    };
    expect(sameNetwork(lenet, moved)).toBe(true);
    const conv = lenet.nodes.find((n) => n.type === 'Conv2d')!;
    const changed = { ...lenet, nodes: lenet.nodes.map((n) => (n === conv ? { ...n, params: { ...n.params, out_channels: 7 } } : n)) };
    expect(sameNetwork(lenet, changed)).toBe(false);
    expect(networkFingerprint({ ...lenet, edges: lenet.edges.slice(1) })).not.toBe(networkFingerprint(lenet));
    const conv1 = lenet.nodes.indexOf(conv);
    expect(sameNetwork(lenet, { ...lenet, nodes: lenet.nodes.map((n, i) => (i === conv1 ? { ...n, repeat: 2 } : n)) })).toBe(false);
  });
});

describe('bookFigureFor', () => {
  it.each(BOOK_FIGURES.map((f) => [f.template, f] as const))('the %s template gets its book figure', (id, f) => {
    expect(bookFigureFor(getTemplate(id)!)).toBe(f);
  });
  it('a changed network gets none', () => {
    expect(bookFigureFor({ ...lenet, nodes: lenet.nodes.filter((n) => n.type !== 'Sigmoid').slice(0) })).toBeNull();
  });
});

describe('plateauHint', () => {
  const withRows = (accs: number[]): RunData => ({ ...blankRun('r', 10), epochRows: accs.map((a, i) => ({ epoch: i + 1, train_loss: 2.3, val_loss: 2.3, val_acc: a })) });
  const relu = { ...lenet, nodes: lenet.nodes.map((n) => (n.type === 'Sigmoid' ? { ...n, type: 'ReLU' } : n)) };
  const cases: [string, typeof lenet, number[], RegExp | null][] = [
    ['sigmoid LeNet at chance after 2 epochs', lenet, [0.1, 0.1], /2–4 epochs and then climbs/],
    ['sigmoid LeNet at chance after 6 epochs', lenet, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1], /longer than d2l's LeNet/],
    ['sigmoid LeNet that has climbed', lenet, [0.1, 0.45], null],
    ['a ReLU network at chance', relu, [0.1, 0.1], null],
    ['no epoch yet', lenet, [], null],
  ];
  it.each(cases)('%s', (_t, graph, accs, hint) => {
    const text = plateauHint(graph, withRows(accs));
    if (hint) expect(text).toMatch(hint);
    else expect(text).toBeNull();
  });
});

describe('settingsText', () => {
  it('names optimizer, lr, batch, epochs, size and backend', () => {
    expect(settingsText({ ...DEFAULT_TRAIN_CONFIG, lr: 0.05, batchSize: 64, epochs: 1, resize: 96, backend: 'auto' }, 'wasm')).toBe('SGD · lr 0.05 · batch 64 · 1 epoch · 96 px · auto → wasm');
  });
});
