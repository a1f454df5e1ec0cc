/**
 * The two layer tables (shared/layers/index.ts and main/engine-core/layers/index.ts) cannot drift: a
 * type added to one side only fails the project's typecheck. Each case type-checks the real
 * sources, with the project's tsconfig, where a file or two is replaced in memory by an edited copy.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const config = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, root);
const options: ts.CompilerOptions = { ...config.options, noEmit: true };
const SHARED = 'shared/layers/index.ts';
const ENGINE = 'main/engine-core/layers/index.ts';
const PROBE = 'shared/layers/probe.ts';
// The engine table imports the shared one and every module of both sides.
const roots = [path.join(root, ENGINE)];

const read = (rel: string): string => ts.sys.readFile(path.join(root, rel)) as string;

function edit(rel: string, ...changes: [string, string][]): string {
  let text = read(rel);
  for (const [from, to] of changes) {
    expect(text, `${rel} has ${JSON.stringify(from)}`).toContain(from);
    text = text.replace(from, to);
  }
  return text;
}

let previous: ts.Program | undefined;
const parsed = new Map<string, ts.SourceFile | undefined>();

/** Type errors of the real project with some files replaced, as "file: message" lines. */
function typeErrors(replaced: Record<string, string>): string[] {
  const files = new Map(Object.entries(replaced).map(([rel, text]) => [path.join(root, rel), text]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError, create) => {
    const text = files.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, language);
    // Parsed once for all cases (lib.dom, tfjs and node typings are most of the time).
    let sf = parsed.get(f);
    if (!sf) parsed.set(f, (sf = getSourceFile.call(host, f, language, onError, create)));
    return sf;
  };
  const program = ts.createProgram(roots, options, host, previous);
  previous = program;
  // Only the tables and the probe: what a table edit can break. The rest is npm run typecheck's.
  const checked = [SHARED, ENGINE, PROBE].map((rel) => program.getSourceFile(path.join(root, rel))).filter((f) => f !== undefined);
  return checked.flatMap((f) => program.getSemanticDiagnostics(f)).map((d) => {
    const file = d.file ? path.relative(root, d.file.fileName) : '(options)';
    return `${file}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

/** A trivial layer module like relu.ts, under another type name. */
const probeModule = (rule: boolean) => read('shared/layers/relu.ts')
  .replaceAll('ReLU', 'Probe').replaceAll('relu', 'probe')
  .replace('  shape: passThrough,\n', rule ? '  shape: passThrough,\n' : '')
  .replace("import { passThrough } from './rules';\n", rule ? "import { passThrough } from './rules';\n" : '');

const sharedWithProbe = () => edit(SHARED, ["import { relu } from './relu';\n", "import { relu } from './relu';\nimport { probe } from './probe';\n"], ['  relu,\n', '  relu,\n  probe,\n']);

describe('the layer tables typecheck only together', () => {
  it('as they are, the project typechecks', () => {
    expect(typeErrors({})).toEqual([]);
  });

  it('a layer in shared/layers/ without an engine builder fails, naming the engine table', () => {
    const errors = typeErrors({ [PROBE]: probeModule(true), [SHARED]: sharedWithProbe() });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.startsWith(`${ENGINE}:`))).toBe(true);
    expect(errors.join('\n')).toContain("'Probe'");
  });

  it('an engine builder for a type shared/layers/ does not have fails', () => {
    const errors = typeErrors({ [ENGINE]: edit(ENGINE, ['  ReLU: relu,\n', '  ReLU: relu,\n  Probe: relu,\n']) });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.startsWith(`${ENGINE}:`))).toBe(true);
    expect(errors.join('\n')).toContain('Probe');
  });

  it('a catalogue entry without a shape rule fails in its module', () => {
    const errors = typeErrors({ [PROBE]: probeModule(false), [SHARED]: sharedWithProbe() });
    expect(errors.some((e) => e.startsWith(`${PROBE}:`) && e.includes("'shape'"))).toBe(true);
  });

  it('a block needs no builder: the compiler builds its inside', () => {
    const block = probeModule(true).replaceAll('defineLayer', 'defineBlock').replace("from './layer';", "from './layer';\nimport type { BlockGraph } from './layer';")
      .replace('  shape: passThrough,\n', "  shape: passThrough,\n  expand: (): BlockGraph => ({ nodes: [{ id: 'relu', type: 'ReLU', params: {}, inputs: ['in'] }], output: 'relu' }),\n");
    expect(typeErrors({ [PROBE]: block, [SHARED]: sharedWithProbe() })).toEqual([]);
  });
});
