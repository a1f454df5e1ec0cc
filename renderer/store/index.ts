/**
 * The one store, built from typed slices (zustand's slices pattern). Middleware sits only here,
 * on the combined store.
 */

import { create } from 'zustand';
import { subscribeWithSelector } from 'zustand/middleware';
import { createBlocksSlice, type BlocksSlice } from '../blocks/blocks-slice';
import { createEstimateSlice, type EstimateSlice } from '../estimate/estimate-slice';
import { createLabSlice, type LabSlice } from '../lab/lab-slice';
import { createFileSlice, type FileSlice } from './file-slice';
import { createGraphSlice, type GraphSlice } from './graph-slice';
import { createInsightSlice, type InsightSlice } from './insight-slice';
import { createTrainingSlice, type TrainingSlice } from './training-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

export type Store = GraphSlice & BlocksSlice & FileSlice & UiSlice & TrainingSlice & LabSlice & EstimateSlice & InsightSlice;

export const useStore = create<Store>()(
  subscribeWithSelector((...a) => ({
    ...createGraphSlice(...a),
    ...createBlocksSlice(...a),
    ...createFileSlice(...a),
    ...createUiSlice(...a),
    ...createTrainingSlice(...a),
    ...createLabSlice(...a),
    ...createEstimateSlice(...a),
    ...createInsightSlice(...a),
  })),
);
