/** What the palette puts on a drag: a node type or a template id. */
export const PALETTE_MIME = 'application/x-convstudio-palette';
export type PaletteItem = { kind: 'node'; type: string } | { kind: 'template'; id: string };
