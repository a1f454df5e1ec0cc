/**
 * The Kernel lab's inputs, as the student typed them: grids and settings as text (so a cell that
 * is not a number stays visible and is named), per section, kept while the canvas is shown.
 * Results are not stored here: each section asks the engine for the inputs on screen.
 */

import type { StateCreator } from 'zustand';
import { CHANNEL_SCENES, CORRELATE_SCENES, LEARN_SCENES, POOL_SCENES, oneByOneScene } from '../../shared/lab/presets';
import type { PoolMode } from '../../shared/lab/types';
import type { Store } from '../store/index';
import { toText, type TextGrid } from './format';

export type LabSection = 'correlate' | 'channels' | 'pool' | 'learn';

const pairText = (v: unknown, fallback: string): string =>
  v === undefined ? fallback : Array.isArray(v) ? (v[0] === v[1] && v.length === 2 ? String(v[0]) : v.join(', ')) : String(v);

export interface CorrelateInputs {
  scene: string | null;
  x: TextGrid;
  k: TextGrid;
  stride: string;
  padding: string;
  dilation: string;
  /** What X shows: a preset id, "fashion" or "custom" once edited. */
  xSource: string;
  kSource: string;
  fashionIndex: string;
  fashionLabel: string | null;
}

export interface ChannelInputs {
  scene: string;
  /** corr2d_multi_in(_out): X [C][H][W], K [C_out][C][kh][kw]. */
  x: TextGrid[];
  k: TextGrid[][];
  /** The 1×1 case: X [C][H][W] and K as a C_out × C matrix. */
  seed: number;
  x11: TextGrid[];
  k11: TextGrid;
}

export interface PoolInputs {
  scene: string | null;
  dims: 2 | 3;
  mode: PoolMode;
  /** 2-D: channels; 3-D: depth slices. */
  x: TextGrid[];
  kernel: string;
  stride: string;
  padding: string;
}

export interface LearnInputs {
  scene: string | null;
  x: TextGrid;
  target: TextGrid;
  kernel: string;
  lr: string;
  steps: string;
  seed: string;
}

export interface LabState {
  section: LabSection;
  correlate: CorrelateInputs;
  channels: ChannelInputs;
  pool: PoolInputs;
  learn: LearnInputs;
}

export interface LabSlice {
  lab: LabState;
  setLabSection(s: LabSection): void;
  setCorrelate(patch: Partial<CorrelateInputs>): void;
  setChannels(patch: Partial<ChannelInputs>): void;
  setPool(patch: Partial<PoolInputs>): void;
  setLearn(patch: Partial<LearnInputs>): void;
  loadCorrelateScene(id: string): void;
  loadChannelScene(id: string): void;
  loadPoolScene(id: string): void;
  loadLearnScene(id: string): void;
}

export function correlateScene(id: string): CorrelateInputs {
  const s = CORRELATE_SCENES.find((c) => c.id === id) ?? CORRELATE_SCENES[0];
  return {
    scene: s.id, x: toText(s.x), k: toText(s.k), stride: pairText(s.stride, '1'), padding: pairText(s.padding, '0'), dilation: pairText(s.dilation, '1'),
    xSource: 'scene', kSource: 'scene', fashionIndex: '0', fashionLabel: null,
  };
}

/** The 1×1 scene's random X and K (d2l draws them with torch.normal), seeded. */
export function oneByOneInputs(seed: number): Pick<ChannelInputs, 'seed' | 'x11' | 'k11'> {
  const one = oneByOneScene(seed);
  return { seed, x11: one.x.map(toText), k11: toText(one.k) };
}

function channelScene(id: string, prev?: ChannelInputs): ChannelInputs {
  const s = CHANNEL_SCENES.find((c) => c.id === id);
  const multi = s ?? CHANNEL_SCENES[0];
  const kept = id === '1x1' && prev ? { x: prev.x, k: prev.k } : { x: multi.x.map(toText), k: multi.k.map((ko) => ko.map(toText)) };
  return { ...kept, ...(prev ? { seed: prev.seed, x11: prev.x11, k11: prev.k11 } : oneByOneInputs(1)), scene: s ? s.id : '1x1' };
}

export function poolScene(id: string): PoolInputs {
  const s = POOL_SCENES.find((p) => p.id === id) ?? POOL_SCENES[0];
  return {
    scene: s.id, dims: s.dims, mode: s.mode, x: s.x.map(toText),
    kernel: pairText(s.kernel, '2'), stride: pairText(s.stride, pairText(s.kernel, '2')), padding: pairText(s.padding, '0'),
  };
}

export function learnScene(id: string): LearnInputs {
  const s = LEARN_SCENES.find((l) => l.id === id) ?? LEARN_SCENES[0];
  return { scene: s.id, x: toText(s.x), target: toText(s.target), kernel: `${s.kernel[0]}×${s.kernel[1]}`, lr: String(s.lr), steps: String(s.steps), seed: '0' };
}

export const createLabSlice: StateCreator<Store, [], [], LabSlice> = (set, get) => {
  const patch = (p: Partial<LabState>) => set({ lab: { ...get().lab, ...p } });
  return {
    lab: { section: 'correlate', correlate: correlateScene('corr2d'), channels: channelScene('multi-in'), pool: poolScene('max-3-p1-s2'), learn: learnScene('edge') },
    setLabSection: (section) => patch({ section }),
    // An edit leaves the scene: the chips then show that the inputs are the student's own.
    setCorrelate: (p) => patch({ correlate: { ...get().lab.correlate, scene: null, ...p } }),
    setChannels: (p) => patch({ channels: { ...get().lab.channels, ...p } }),
    setPool: (p) => patch({ pool: { ...get().lab.pool, scene: null, ...p } }),
    setLearn: (p) => patch({ learn: { ...get().lab.learn, scene: null, ...p } }),
    loadCorrelateScene: (id) => patch({ correlate: correlateScene(id) }),
    loadChannelScene: (id) => patch({ channels: channelScene(id, get().lab.channels) }),
    loadPoolScene: (id) => patch({ pool: poolScene(id) }),
    loadLearnScene: (id) => patch({ learn: learnScene(id) }),
  };
};
