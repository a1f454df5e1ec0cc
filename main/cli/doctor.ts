/**
 * `convstudio doctor [--json]`: which training backends are installed here, which GPU each would
 * use, and for each one that cannot use a GPU, why and what to do. The same report the Training
 * panel's GPU check shows (the Api's doctor call).
 * Exit codes: 0 report printed; 2 bad usage.
 */

import type { DoctorBackend, DoctorReport } from '../../shared/api';
import { ICD_ENV } from '../engine/backends/webgpu/dawn';
import { GPU_MEMORY_ENV } from '../engine-core/webgpu/memory';

export const DOCTOR_USAGE = `usage: convstudio doctor [--json]

  Checks which training backends are installed, which GPU each would use, and why a backend
  cannot use the GPU here (for tfjs-node-gpu: the NVIDIA driver, CUDA and cuDNN found against
  the CUDA 11.2 and cuDNN 8.1 it needs, the Node version, the platform), with the fix.

  --json   print the report as one JSON object

  environment:
    ${ICD_ENV}=swiftshader|FILE   point WebGPU (Linux, Vulkan) at a software or other driver
    ${GPU_MEMORY_ENV}=N           GPU memory one run may hold, in MB`;

function backendLines(b: DoctorBackend): string[] {
  const head = `${b.name.padEnd(11)}${b.installed ? 'installed' : 'not installed'}; device: ${b.device}${b.gpu ? '  [GPU]' : ''}`;
  const lines = [head, ...b.findings.map((f) => `    - ${f}`)];
  for (const p of b.problems) lines.push(`    ✗ ${p.problem}`, `      fix: ${p.fix}`);
  return lines;
}

export function formatDoctor(r: DoctorReport): string {
  const gpu = r.backends.filter((b) => b.gpu);
  return [
    `ConvStudio doctor (${r.system})`,
    '',
    `auto trains on: ${r.auto.backend}, ${r.auto.device}`,
    gpu.length ? `GPU backends here: ${gpu.map((b) => b.name).join(', ')}` : 'No backend can train on a GPU here; see the problems below.',
    '',
    ...r.backends.flatMap((b) => [...backendLines(b), '']),
    ...(r.unchecked.length ? ['not checked:', ...r.unchecked.map((u) => `    - ${u}`), ''] : []),
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(DOCTOR_USAGE);
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length) {
    console.error(`convstudio doctor: unknown option ${unknown[0]}.\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  const { runDoctor } = await import('../engine/backends/doctor/index');
  const report = await runDoctor();
  if (argv.includes('--json')) console.log(JSON.stringify(report));
  else process.stdout.write(formatDoctor(report));
  return 0;
}
