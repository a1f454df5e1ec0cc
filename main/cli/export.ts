/**
 * `convstudio export <template|file.json|RUN_DIR> [--to graph|pytorch|onnx] [--out PATH] [--epoch N] [--force]`:
 * a template, graph file or run as a convstudio.graph document (the default, as before), a
 * PyTorch folder (model.py, train.py, README.md, a run's weights.safetensors) or an ONNX model,
 * through main/export/.
 * Exit codes: 0 written; 2 bad usage, invalid graph, unknown epoch, damaged checkpoint, a folder
 * that is not empty, or an unwritable file.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEMPLATES, getTemplate } from '../../shared/templates/index';
import { moduleDir } from '../common/module-dir';
import { EXPORT_FORMATS, ExportError, exportNetwork, writeExport, type ExportFormat, type ExportSource } from '../export/export';
import { CONFIG_JSON, GRAPH_JSON } from '../runs/run-folder';
import { UsageError, loadGraph, parseArgs } from './summary';

export const EXPORT_USAGE = `usage: convstudio export <${TEMPLATES.map((t) => t.id).join('|')}|file.json|RUN_DIR> [--to graph|pytorch|onnx] [--out PATH] [options]

  --to graph     the convstudio.graph document (JSON), to --out FILE or standard output (the default)
  --to pytorch   a folder for PyTorch: model.py (d2l style), train.py (DDP-ready), README.md,
                 and from a run weights.safetensors
  --to onnx      a folder with model.onnx (opset 13, NCHW input "input", output "logits"): a run's
                 weights, or ConvStudio's initial weights for a template or graph file
  --out PATH     the file (graph) or the folder (pytorch, onnx); a folder must be new or empty
  --epoch N      from a run: the weights after epoch N (default: its newest checkpoint; 0: the
                 weights it started from)
  --force        write into a folder that is not empty (only the export's own files are replaced)
  --input C,H,W  resize the Input node first, e.g. --input 1,32,32 (templates and graph files)

  exit code: 0 written; 2 bad usage, an invalid graph, an unknown epoch, a folder that is not
  empty, or a file that cannot be written`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(moduleDir(import.meta.url), '../../package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0';
  } catch {
    return '0';
  }
}

const isRunDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory() && existsSync(path.join(p, CONFIG_JSON)) && existsSync(path.join(p, GRAPH_JSON));
  } catch {
    return false;
  }
};

function parseEpoch(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`convstudio export: --epoch must be a whole number, 0 or more (got "${text}").`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(EXPORT_USAGE);
    return 0;
  }
  try {
    const args = parseArgs(argv, 'export', ['force'], ['out', 'input', 'to', 'epoch']);
    const to = (args.options.to ?? 'graph') as ExportFormat;
    if (!EXPORT_FORMATS.includes(to)) throw new UsageError(`convstudio export: --to must be ${EXPORT_FORMATS.join(', ')} (got "${args.options.to}").`, true);
    const epoch = parseEpoch(args.options.epoch);
    const out = args.options.out;
    let source: ExportSource;
    if (!getTemplate(args.source) && isRunDir(args.source)) {
      if (args.input) throw new UsageError('convstudio export: --input resizes a template or graph file; a run is exported as it was trained.');
      source = { kind: 'run', runDir: path.resolve(args.source), epoch };
    } else {
      if (epoch !== null) throw new UsageError(`convstudio export: --epoch picks a run's weights, and ${args.source} is not a run folder (one with ${CONFIG_JSON} and ${GRAPH_JSON}).`);
      if (existsSync(args.source) && statSync(args.source).isDirectory()) {
        throw new UsageError(`convstudio export: ${args.source} is a folder but not a run folder (it has no ${CONFIG_JSON} and ${GRAPH_JSON}).`);
      }
      const doc = await loadGraph(args.source, 'export', args.input);
      source = { kind: 'graph', graph: doc, label: getTemplate(args.source) ? `template ${args.source}` : path.basename(args.source) };
    }
    if (to !== 'graph' && out === undefined) throw new UsageError(`convstudio export: --to ${to} writes a folder; name it with --out DIR.`, true);

    const exported = await exportNetwork(source, to, { version: version() });
    if (to === 'graph') {
      const text = exported.files[0].data as string;
      if (out === undefined) {
        process.stdout.write(text);
        return 0;
      }
      try {
        await writeFile(out, text, 'utf8');
      } catch (e) {
        throw new UsageError(`convstudio export: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}.`);
      }
      console.error(`Wrote ${exported.name} to ${out}.`);
      return 0;
    }
    writeExport(exported, out as string, args.flags.has('force'));
    console.log(`Wrote ${exported.name} for ${to === 'pytorch' ? 'PyTorch' : 'ONNX'} to ${out}: ${exported.files.map((f) => f.name).join(', ')}.`);
    for (const note of exported.notes) console.log(`  ${note}`);
    if (to === 'pytorch' && exported.files.some((f) => f.name === 'train.py')) {
      console.log(`Next: cd ${out} && python train.py   (or torchrun --standalone --nproc_per_node=gpu train.py; see README.md)`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ExportError) {
      console.error(`convstudio export: ${e.message}`);
      return 2;
    }
    if (!(e instanceof UsageError)) throw e;
    console.error(e.showUsage ? `${e.message}\n\n${EXPORT_USAGE}` : e.message);
    return 2;
  }
}
