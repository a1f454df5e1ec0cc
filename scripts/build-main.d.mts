/** Types for scripts/build-main.mjs (plain ESM so the build runs without a TS loader). */
export function buildMain(root: string, options?: { outdir?: string }): Promise<{ outdir: string }>;
