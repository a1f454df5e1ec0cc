/**
 * The doctor's probe process: `probe.ts [--webgpu] [--tensorflow]` loads what the doctor must
 * not load in its own process (Dawn, libtensorflow), asks it which device it would use and
 * prints one JSON line. A separate process because a broken GPU driver can hang or crash the
 * process that asks it, and because each Vulkan driver choice needs a fresh Dawn instance.
 */

import type { WebgpuProbe } from '../webgpu/index';

export interface ProbeOutput {
  webgpu?: WebgpuProbe;
  tensorflow?: { onGpu: boolean; error?: string } | null;
}

async function main(argv: string[]): Promise<void> {
  const out: ProbeOutput = {};
  if (argv.includes('--webgpu')) out.webgpu = await (await import('../webgpu/index')).probeWebgpu();
  if (argv.includes('--tensorflow')) out.tensorflow = await (await import('../index')).probeTensorflow();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main(process.argv.slice(2)).then(
  // Dawn or libtensorflow may keep threads alive; the answer is out, so leave.
  () => process.exit(0),
  (err: unknown) => {
    process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`);
    process.exit(1);
  },
);
