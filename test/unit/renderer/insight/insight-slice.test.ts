import fs from 'node:fs';
import zlib from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { CLASS_NAMES } from '../../../../shared/insight';
import { useStore } from '../../../../renderer/store/index';
import { FIRST_COAT, FIRST_PULLOVER } from '../../../../renderer/store/insight-slice';

const insight = () => useStore.getState().insight;

describe('the insight slice', () => {
  beforeEach(() => {
    useStore.setState({ view: 'canvas' });
    useStore.getState().setInsight({ runId: null, epoch: null, section: 'results', cell: null, images: [{ source: 'validation', index: FIRST_PULLOVER }, null], editing: 0, camLayer: null, filterLayer: null });
  });

  it('opening a run shows the Insight view on its newest checkpoint, Results first', () => {
    useStore.getState().openInsight('run-a');
    expect(useStore.getState().view).toBe('insight');
    expect(insight()).toMatchObject({ runId: 'run-a', epoch: null, section: 'results' });
  });

  it('another run forgets the epoch, the cell and the layer choices (its layers differ) but keeps the images', () => {
    const s = useStore.getState();
    s.openInsight('run-a');
    s.setInsight({ epoch: 3, cell: { label: 4, predicted: 6 }, camLayer: 'conv2', filterLayer: 'conv2', section: 'inside' });
    s.chooseImage(0, { source: 'validation', index: 42 });
    s.openInsight('run-b');
    expect(insight()).toMatchObject({ runId: 'run-b', epoch: null, cell: null, camLayer: null, filterLayer: null, section: 'results' });
    expect(insight().images[0]).toEqual({ source: 'validation', index: 42 });
  });

  it('reopening the same run keeps where the student was', () => {
    const s = useStore.getState();
    s.openInsight('run-a');
    s.setInsight({ epoch: 2, section: 'layers' });
    useStore.setState({ view: 'canvas' });
    s.openInsight('run-a');
    expect(insight()).toMatchObject({ epoch: 2, section: 'layers' });
    expect(useStore.getState().view).toBe('insight');
  });

  it('comparing adds the first coat beside the sweater, and turning it off drops image B', () => {
    const s = useStore.getState();
    s.setComparing(true);
    expect(insight().images).toEqual([{ source: 'validation', index: FIRST_PULLOVER }, { source: 'validation', index: FIRST_COAT }]);
    s.chooseImage(1, { source: 'validation', index: 9 });
    expect(insight().editing).toBe(1);
    s.setComparing(false);
    expect(insight().images[1]).toBeNull();
    expect(insight().editing).toBe(0);
  });
});

it('the default pair is the test set\'s first pullover (a sweater) and first coat, read from the data set\'s labels', () => {
  const labels = zlib.gunzipSync(fs.readFileSync('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz')).subarray(8);
  expect(CLASS_NAMES[labels[FIRST_PULLOVER]]).toBe('Pullover');
  expect(CLASS_NAMES[labels[FIRST_COAT]]).toBe('Coat');
  expect(labels.subarray(0, FIRST_PULLOVER).includes(2)).toBe(false);
  expect(labels.subarray(0, FIRST_COAT).includes(4)).toBe(false);
});
