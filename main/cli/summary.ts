/**
 * `convstudio summary <template|file.json> [--input C,H,W] [--json | --d2l]`: d2l's layer summary of a
 * template or graph file, from the same shape engine the canvas uses.
 * Exit codes, as every command's (main/cli/index.ts): 0 valid graph; 2 invalid graph (the table
 * and the diagnostics printed), bad usage or unreadable file; 1 only for a failure of its own.
 */

import { parseGraph } from '../../shared/graph/parse';
import { terminalSafe } from '../../shared/format';
import { formatD2lSummary, formatSummary, insideRows } from '../../shared/graph/summary';
import type { Diagnostic, GraphDoc } from '../../shared/graph/types';
import { analyzeGraph, type Analysis } from '../../shared/shapes/index';
import { TEMPLATES, getTemplate } from '../../shared/templates/index';
import { GRAPH_FILE, readTextFile } from '../common/read-file';

const TEMPLATE_IDS = TEMPLATES.map((t) => t.id).join('|');

export const SUMMARY_USAGE = `usage: convstudio summary <${TEMPLATE_IDS}|file.json> [--input C,H,W] [--json | --d2l]

  Prints every layer's output shape (NCHW, batch 1), parameters, MACs and receptive field,
  then the totals and any problems found.

  --input C,H,W   resize the Input node, e.g. --input 1,96,96
  --json          print one JSON object instead of the table
  --d2l           print the lines d2l's layer_summary prints (Conv2d output shape: torch.Size([...]))

  exit code: 0 valid graph, 2 invalid graph, bad usage or unreadable file`;

/**
 * A usage or input problem: the message is shown as is and the exit code is 2. The usage text
 * follows only when the command line itself was wrong, so a bad file gets one clear message.
 */
export class UsageError extends Error {
  constructor(message: string, readonly showUsage = false) {
    super(message);
  }
}

export interface CommonArgs {
  source: string;
  input: [number, number, number] | null;
  flags: Set<string>;
  options: Record<string, string>;
}

/**
 * Splits argv into one positional source, --input and the allowed flags/options. Throws
 * UsageError with a message naming what is wrong.
 */
export function parseArgs(argv: string[], command: string, flags: string[], options: string[]): CommonArgs {
  const positional: string[] = [];
  const seenFlags = new Set<string>();
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (flags.includes(name)) {
      if (eq > 0) throw new UsageError(`convstudio ${command}: --${name} takes no value.`, true);
      seenFlags.add(name);
    } else if (options.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`convstudio ${command}: --${name} needs a value.`, true);
      values[name] = value;
    } else {
      throw new UsageError(`convstudio ${command}: unknown option "${arg}".`, true);
    }
  }
  if (positional.length !== 1) {
    throw new UsageError(positional.length === 0
      ? `convstudio ${command}: name a template (${TEMPLATE_IDS.replace(/\|/g, ', ')}) or a graph file.`
      : `convstudio ${command}: expected one template or file, got ${positional.length}: ${positional.join(' ')}.`, true);
  }
  let input: [number, number, number] | null = null;
  if (values.input !== undefined) {
    const parts = values.input.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.length !== 3 || !nums.every((x) => Number.isInteger(x) && x >= 1 && x <= 65536)) {
      throw new UsageError(`convstudio ${command}: --input must be three whole numbers C,H,W from 1 to 65536, e.g. 1,28,28; got "${values.input}".`);
    }
    input = [nums[0], nums[1], nums[2]];
  }
  return { source: positional[0], input, flags: seenFlags, options: values };
}

/** A template by id, or a graph file read and parsed; problems become UsageError (exit 2). */
export async function loadGraph(source: string, command: string, input: [number, number, number] | null): Promise<GraphDoc> {
  let doc = getTemplate(source);
  if (!doc) {
    const read = await readTextFile(source, GRAPH_FILE);
    if (!read.ok) {
      throw new UsageError(read.code === 'not-found'
        ? `convstudio ${command}: "${source}" is neither a template (${TEMPLATE_IDS.replace(/\|/g, ', ')}) nor a file: ${read.message}`
        : `convstudio ${command}: ${read.message}`);
    }
    const parsed = parseGraph(read.text);
    if (!parsed.doc) {
      const lines = parsed.diagnostics.map((d) => `  ${d.message}`);
      throw new UsageError(`convstudio ${command}: cannot open ${source}:\n${lines.join('\n')}`);
    }
    doc = parsed.doc;
  }
  if (input) {
    const inputs = doc.nodes.filter((n) => n.type === 'Input');
    if (inputs.length === 0) throw new UsageError(`convstudio ${command}: --input given, but the graph has no Input node to resize.`);
    for (const node of inputs) node.params = { ...node.params, channels: input[0], height: input[1], width: input[2] };
  }
  return doc;
}

/** Messages already name their node or edge, so the line adds only severity, code and fix. */
function diagnosticLine(d: Diagnostic): string {
  const fix = d.fix ? `\n    fix: ${d.fix.label}` : '';
  return `${d.severity} [${d.code}] ${d.message}${fix}`;
}

/** The --json object: stable field names for scripts and CI. */
export function summaryJson(doc: GraphDoc, a: Analysis): unknown {
  return {
    valid: a.ok,
    name: doc.name,
    nodes: a.order.map((id) => {
      const info = a.nodes[id];
      const rf = info.rf ? (info.rf.size[0] === info.rf.size[1] ? info.rf.size[0] : info.rf.size) : null;
      // A block's inner layers by module path, so scripts see the expansion the numbers come from.
      const inside = info.inside && info.shape
        ? { inside: insideRows(info.inside, id, 1, true).map((r) => ({ path: r.path, type: r.type, output_shape: r.shape, params: r.params, macs: r.macs })) }
        : {};
      return { id, type: info.type, output_shape: info.shape, params: info.params, macs: info.macs, receptive_field: rf, ...inside };
    }),
    diagnostics: a.diagnostics.map((d) => ({
      node: d.nodeId ?? null, severity: d.severity, code: d.code, message: d.message,
      ...(d.edge ? { edge: d.edge } : {}), ...(d.fix ? { fix: d.fix } : {}),
    })),
    total_params: a.totals.params,
    total_macs: a.totals.macs,
  };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SUMMARY_USAGE);
    return 0;
  }
  let doc: GraphDoc;
  let json: boolean;
  let d2l: boolean;
  try {
    const args = parseArgs(argv, 'summary', ['json', 'd2l'], ['input']);
    json = args.flags.has('json');
    d2l = args.flags.has('d2l');
    if (json && d2l) throw new UsageError('convstudio summary: choose --json or --d2l, not both.', true);
    doc = await loadGraph(args.source, 'summary', args.input);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(e.showUsage ? `${e.message}\n\n${SUMMARY_USAGE}` : e.message);
    return 2;
  }
  const analysis = analyzeGraph(doc);
  if (json) {
    console.log(JSON.stringify(summaryJson(doc, analysis), null, 2));
  } else if (d2l) {
    console.log(formatD2lSummary(analysis));
    if (analysis.diagnostics.length > 0) console.log(`\n${analysis.diagnostics.map(diagnosticLine).join('\n')}`);
  } else {
    // The name is free text: kept on its title line (ids and types are printable by the parser's rule).
    console.log(formatSummary({ ...doc, name: terminalSafe(doc.name, { line: true }) }, analysis));
    if (analysis.diagnostics.length > 0) console.log(`\n${analysis.diagnostics.map(diagnosticLine).join('\n')}`);
  }
  // An invalid graph is invalid input, as for train: the same graph exits the same way everywhere.
  return analysis.ok ? 0 : 2;
}
