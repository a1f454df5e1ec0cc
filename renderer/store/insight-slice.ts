/**
 * The Insight view's choices: which run and checkpoint it looks at, which part is open, the
 * confusion-matrix cell the gallery is filtered by, the image(s) the network is asked about and
 * the Grad-CAM and filter choices. Answers are not kept here: each part asks the engine for what
 * is on screen (renderer/insight/use-answer.ts caches recent answers).
 */

import type { StateCreator } from 'zustand';
import type { Cell } from '../insight/confusion';
import type { Store } from './index';

export type InsightSection = 'results' | 'inside' | 'layers';

/** An image the student chose: a test-set image, or pixels they uploaded or drew (already 28×28, prepared). */
export type ChosenImage =
  | { source: 'validation'; index: number }
  | {
      source: 'pixels';
      /** base64 of 28×28 bytes, light on dark. */
      pixels: string;
      /** Where it came from, for the caption: "coat.png", "drawn". */
      name: string;
      /** What preprocessing did, in order (shared/image-prep.ts), shown beside it. */
      steps: string[];
    };

export interface InsightState {
  runId: string | null;
  /** Epochs completed at the checkpoint; null = the newest. */
  epoch: number | null;
  section: InsightSection;
  cell: Cell | null;
  /** Image A, and image B when comparing (d2l 7.6 ex. 4: a sweater beside a coat). */
  images: [ChosenImage, ChosenImage | null];
  /** Which of the two the image tools change. */
  editing: 0 | 1;
  /** Grad-CAM's class (null = predicted) and convolution (null = the last). */
  camClass: number | null;
  camLayer: string | null;
  /** Filters' convolution (null = the first). */
  filterLayer: string | null;
}

export interface InsightSlice {
  insight: InsightState;
  /** Opens the Insight view on a run (its newest checkpoint). */
  openInsight(runId: string, section?: InsightSection): void;
  setInsight(patch: Partial<InsightState>): void;
  /** Sets image A or B; choosing B turns comparing on. */
  chooseImage(slot: 0 | 1, image: ChosenImage): void;
  setComparing(on: boolean): void;
}

/** A sweater (Pullover) and a coat from the test set, the pair d2l 7.6 exercise 4 asks about. */
export const FIRST_PULLOVER = 1;
export const FIRST_COAT = 6;

const initial: InsightState = {
  runId: null, epoch: null, section: 'results', cell: null,
  images: [{ source: 'validation', index: FIRST_PULLOVER }, null], editing: 0,
  camClass: null, camLayer: null, filterLayer: null,
};

export const createInsightSlice: StateCreator<Store, [], [], InsightSlice> = (set, get) => {
  const patch = (p: Partial<InsightState>) => set({ insight: { ...get().insight, ...p } });
  return {
    insight: initial,
    openInsight(runId, section) {
      const same = get().insight.runId === runId;
      // Another run has other layers: layer choices and the cell filter start over; images stay.
      patch(same ? { section: section ?? get().insight.section } : { runId, epoch: null, cell: null, camLayer: null, filterLayer: null, section: section ?? 'results' });
      set({ view: 'insight' });
    },
    setInsight: patch,
    chooseImage(slot, image) {
      const [a, b] = get().insight.images;
      patch({ images: slot === 0 ? [image, b] : [a, image], editing: slot });
    },
    setComparing(on) {
      const [a, b] = get().insight.images;
      patch({ images: [a, on ? b ?? { source: 'validation', index: FIRST_COAT } : null], editing: on ? get().insight.editing : 0 });
    },
  };
};
