/**
 * Node ids: fresh ones for new layers, and the rule for names a user types. Ids name PyTorch
 * modules in summaries and exports (d2l's `net.conv1`), so a typed name must be a Python
 * identifier; files may hold any text id (shared/graph/parse.ts), which stays as it is.
 */

/** A fresh id like "conv2d_3" (or "vgg_block_1" for a block) that is not in `taken` (which it then joins). */
export function freshId(type: string, taken: Set<string>): string {
  const base = (type.startsWith('block:') ? type.slice('block:'.length).replace(/[^A-Za-z0-9_]+/g, '') : type.toLowerCase().replace(/[^a-z0-9]+/g, '')) || 'layer';
  for (let i = 1; ; i++) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

export const MAX_NAME = 64;

/** Why `name` cannot be the new id of `current`, or null when it can. */
export function nameRefusal(name: string, current: string, taken: ReadonlySet<string>): string | null {
  if (name === '') return 'A layer needs a name.';
  if (name.length > MAX_NAME) return `A name is at most ${MAX_NAME} characters.`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    return 'Use letters, digits and _, starting with a letter or _ (the name becomes a PyTorch module name).';
  }
  if (name !== current && taken.has(name)) return `"${name}" is already the name of another layer.`;
  return null;
}
