/**
 * A template's blocks joined to the document's: a definition the document already has under the
 * same name, identical, is shared; a different one under a taken name is renamed (vgg_block_2),
 * and the template's nodes and other definitions are made to use the new name.
 */

import { blockNameOf, blockType } from '../../shared/graph/blocks';
import type { BlockDef, GraphDoc } from '../../shared/graph/types';

export function mergeBlocks(doc: GraphDoc, existing: Readonly<Record<string, BlockDef>>): { doc: GraphDoc; blocks: Record<string, BlockDef> } {
  if (!doc.blocks) return { doc, blocks: { ...existing } };
  const rename = new Map<string, string>();
  const taken = new Set(Object.keys(existing));
  for (const name of Object.keys(doc.blocks)) {
    if (!taken.has(name) || JSON.stringify(existing[name]) === JSON.stringify(doc.blocks[name])) continue;
    let fresh = `${name}_2`;
    for (let i = 3; taken.has(fresh) || Object.prototype.hasOwnProperty.call(doc.blocks, fresh); i++) fresh = `${name}_${i}`;
    rename.set(name, fresh);
    taken.add(fresh);
  }
  const retype = <T extends { type: string }>(n: T): T => {
    const used = blockNameOf(n.type);
    return used !== null && rename.has(used) ? { ...n, type: blockType(rename.get(used)!) } : n;
  };
  const blocks: Record<string, BlockDef> = { ...existing };
  for (const [name, def] of Object.entries(doc.blocks)) blocks[rename.get(name) ?? name] = { ...def, nodes: def.nodes.map(retype) };
  const { blocks: _b, ...rest } = doc;
  return { doc: { ...rest, nodes: doc.nodes.map(retype) }, blocks };
}
