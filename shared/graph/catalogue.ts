/**
 * The node catalogue as data (like Netron's metadata JSON): type -> label, category, params with
 * types and defaults, ports. The palette, the inspector, the summary and the param checks read it,
 * and a test holds docs/graph-format.md to it. Each entry is the spec part of a layer module in
 * shared/layers/, in palette order; names and defaults are PyTorch's, and input channels are
 * inferred like d2l's Lazy modules.
 */

import { LAYER_LIST } from '../layers/index';
import type { Category, NodeSpec } from '../layers/layer';

export type { Category, NodeSpec, ParamSpec, ParamType } from '../layers/layer';

// Plain data, without the modules' functions, so it can be cloned and sent anywhere.
export const CATALOGUE: readonly NodeSpec[] = LAYER_LIST.map(({ type, label, category, inputs, params, doc, torch }) => ({ type, label, category, inputs, params, doc, torch }));

const BY_TYPE = new Map(CATALOGUE.map((s) => [s.type, s]));

export function nodeSpec(type: string): NodeSpec | undefined {
  return BY_TYPE.get(type);
}

export const CATEGORIES: readonly Category[] = ['Input', 'Layers', 'Pooling', 'Normalisation', 'Blocks', 'Merge', 'Activations'];
