/**
 * `convstudio eval RUN_DIR [--epoch N] [--json]`: a run's checkpoint on its whole validation
 * subset — the confusion matrix (rows = true class) and per-class accuracy, precision and recall —
 * through the same code the app's Results view asks the engine service for (main/engine/insight/),
 * cached in the run folder the same way. Exit codes: 0 done; 2 not a run, no such epoch, a
 * damaged checkpoint; 1 anything else (missing data).
 */

import { decodeBytes, type Evaluation } from '../../shared/insight';
import { initBackend } from '../engine/backends/index';
import { evaluateRun } from '../engine/insight/evaluate';
import { InsightError, runModel } from '../engine/insight/run-model';
import { parseInsightArgs } from './insight-args';
import { UsageError } from './summary';

export const EVAL_USAGE = `usage: convstudio eval RUN_DIR [--epoch N] [--json] [--backend B]

  the run's checkpoint on its validation subset (the first --val-limit test images): accuracy,
  the 10×10 confusion matrix (rows = true class, columns = predicted) and per-class figures

  --epoch N    the checkpoint after epoch N (default: the newest; 0: the weights it started from)
  --json       one JSON object: confusion (10×10 counts), perClass, accuracy, loss, predictions, …
  --backend B  where the maths runs (default auto: the fastest here)

  exit code: 0 done; 2 not a run folder, no checkpoint for that epoch, a damaged checkpoint;
  1 anything else (missing Fashion-MNIST files)`;

/** Usage errors and the run's problems (exit 2) apart from anything else (exit 1). */
export const INPUT_ERRORS = new Set(['not-a-run', 'no-checkpoint', 'damaged-checkpoint', 'invalid-graph', 'bad-request', 'no-convolution']);

const short = (name: string): string => name.replace('T-shirt/top', 'T-shirt').replace('Ankle boot', 'Boot').slice(0, 8);

export function formatEvaluation(e: Evaluation): string {
  const lines: string[] = [];
  lines.push(`run ${e.runId}, epoch ${e.epoch} (${e.checkpoint === 'initial' ? 'the initial weights' : `checkpoint ${e.checkpoint}`}), ${e.samples} validation images, backend ${e.backend}${e.cached ? ' (cached)' : ''}`);
  lines.push(`accuracy ${(e.accuracy * 100).toFixed(2)} %   loss ${e.loss.toFixed(4)}   misclassified ${e.misclassifiedTotal}`);
  lines.push('');
  lines.push('confusion matrix (rows = true class, columns = predicted):');
  const w = Math.max(4, ...e.confusion.flat().map((v) => String(v).length)) + 1;
  lines.push(`${''.padEnd(12)}${e.classNames.map((c) => short(c).padStart(Math.max(w, 9))).join('')}`);
  e.confusion.forEach((row, r) => lines.push(`${e.classNames[r].padEnd(12)}${row.map((v) => String(v).padStart(Math.max(w, 9))).join('')}`));
  lines.push('');
  lines.push(`${'class'.padEnd(12)}${'count'.padStart(7)}${'accuracy'.padStart(10)}${'precision'.padStart(11)}${'recall'.padStart(8)}`);
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  for (const c of e.perClass) lines.push(`${c.className.padEnd(12)}${String(c.count).padStart(7)}${pct(c.accuracy).padStart(10)}${pct(c.precision).padStart(11)}${pct(c.recall).padStart(8)}`);
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(EVAL_USAGE);
    return 0;
  }
  try {
    const args = parseInsightArgs(argv, 'eval', []);
    if (args.rest.length) throw new UsageError(`convstudio eval: one run folder at a time (also got ${args.rest.join(' ')}).`, true);
    const backend = await initBackend(args.backend);
    const m = await runModel(args.runDir, args.epoch);
    const e = await evaluateRun(m, backend.name);
    if (args.json) {
      const { predictions, confidences: _c, misclassified: _m, ...rest } = e;
      process.stdout.write(`${JSON.stringify({ ...rest, predictions: Array.from(decodeBytes(predictions)) })}\n`);
    } else {
      console.log(formatEvaluation(e));
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.showUsage ? `${err.message}\n\n${EVAL_USAGE}` : err.message);
      return 2;
    }
    if (err instanceof InsightError) {
      console.error(`convstudio eval: ${err.message}`);
      return INPUT_ERRORS.has(err.code) ? 2 : 1;
    }
    throw err;
  }
}
