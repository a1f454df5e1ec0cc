/**
 * `convstudio predict RUN_DIR IMAGE... [--epoch N] [--invert auto|yes|no] [--json]`: what a
 * run's network says about your own pictures — d2l 7.6's exercise 5 — the top five classes and
 * their probabilities per image. Each picture is prepared as the app prepares an upload
 * (shared/image-prep.ts: grayscale, fitted into 28×28, inverted to light-on-dark when its border
 * is light), and the steps are printed. Exit codes: 0 done; 2 a bad image, not a run, no such
 * epoch, a damaged checkpoint; 1 anything else.
 */

import type { InvertChoice } from '../../shared/image-prep';
import type { Prediction } from '../../shared/insight';
import { initBackend } from '../engine/backends/index';
import { readImageFile } from '../engine/insight/image-file';
import { predictImages } from '../engine/insight/predict';
import { InsightError, runModel } from '../engine/insight/run-model';
import { INPUT_ERRORS } from './eval';
import { parseInsightArgs } from './insight-args';
import { UsageError } from './summary';

export const PREDICT_USAGE = `usage: convstudio predict RUN_DIR IMAGE... [--epoch N] [--invert auto|yes|no] [--json] [--backend B]

  the top-5 classes and probabilities of the run's network for each PNG or JPEG image, prepared
  like Fashion-MNIST: grayscale, fitted into 28×28 (aspect kept), light garment on dark

  --epoch N     the checkpoint after epoch N (default: the newest; 0: the initial weights)
  --invert X    auto (default: invert when the border is light, as in a photo on white), yes, no
  --json        one JSON object: per image its file, preprocessing steps and top5
  --backend B   where the maths runs (default auto: the fastest here)

  exit code: 0 done; 2 an image that cannot be read or decoded, not a run folder, no checkpoint
  for that epoch, a damaged checkpoint; 1 anything else`;

const INVERT: Record<string, InvertChoice> = { auto: 'auto', yes: true, no: false };

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(PREDICT_USAGE);
    return 0;
  }
  try {
    const args = parseInsightArgs(argv, 'predict', ['invert']);
    if (!args.rest.length) throw new UsageError('convstudio predict: name one or more PNG or JPEG images after the run folder.', true);
    const invert = INVERT[args.options.invert ?? 'auto'];
    if (invert === undefined) throw new UsageError(`convstudio predict: --invert must be auto, yes or no (got "${args.options.invert}").`);
    // Every image is read before any model loads: a typo in the fifth file should not cost a load.
    const images = args.rest.map((file) => {
      const r = readImageFile(file, invert);
      if (!r.ok) throw new UsageError(`convstudio predict: ${r.message}`);
      return { file, ...r.value };
    });
    const backend = await initBackend(args.backend);
    const m = await runModel(args.runDir, args.epoch);
    const top = predictImages(m, images.map((i) => i.pixels));
    if (args.json) {
      process.stdout.write(`${JSON.stringify({
        runId: m.runId, epoch: m.epoch, checkpoint: m.checkpoint, backend: backend.name,
        images: images.map((img, i) => ({ file: img.file, format: img.format, width: img.width, height: img.height, inverted: img.inverted, steps: img.steps, top5: top[i] })),
      })}\n`);
      return 0;
    }
    console.log(`run ${m.runId}, epoch ${m.epoch} (${m.checkpoint === 'initial' ? 'the initial weights' : `checkpoint ${m.checkpoint}`}), backend ${backend.name}`);
    images.forEach((img, i) => {
      console.log('');
      console.log(`${img.file} (${img.format} ${img.width}×${img.height}; ${img.steps.join('; ')})`);
      for (const p of top[i] as Prediction[]) console.log(`  ${p.className.padEnd(12)} ${(p.probability * 100).toFixed(1).padStart(5)} %`);
    });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.showUsage ? `${err.message}\n\n${PREDICT_USAGE}` : err.message);
      return 2;
    }
    if (err instanceof InsightError) {
      console.error(`convstudio predict: ${err.message}`);
      return INPUT_ERRORS.has(err.code) ? 2 : 1;
    }
    throw err;
  }
}
