/**
 * `convstudio export <template|file.json> [--input C,H,W] [--out file]`: writes a template (or a
 * re-validated graph file) as a convstudio.graph document, to a file or stdout, so a network can
 * start from a template and be edited by hand or in the app.
 * Exit codes: 0 written; 2 bad usage, unknown template or unwritable file.
 */

import { writeFile } from 'node:fs/promises';
import { TEMPLATES } from '../../shared/templates/index';
import { UsageError, loadGraph, parseArgs } from './summary';

export const EXPORT_USAGE = `usage: convstudio export <${TEMPLATES.map((t) => t.id).join('|')}|file.json> [--input C,H,W] [--out file]

  Writes the graph as a convstudio.graph file (JSON, format version 1).

  --input C,H,W   resize the Input node first, e.g. --input 1,32,32
  --out file      write to this file instead of standard output`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(EXPORT_USAGE);
    return 0;
  }
  try {
    const args = parseArgs(argv, 'export', [], ['out', 'input']);
    const doc = await loadGraph(args.source, 'export', args.input);
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    const out = args.options.out;
    if (out === undefined) {
      process.stdout.write(text);
      return 0;
    }
    try {
      await writeFile(out, text, 'utf8');
    } catch (e) {
      throw new UsageError(`convstudio export: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}.`);
    }
    console.error(`Wrote ${doc.name} (${doc.nodes.length} nodes) to ${out}.`);
    return 0;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(e.showUsage ? `${e.message}\n\n${EXPORT_USAGE}` : e.message);
    return 2;
  }
}
