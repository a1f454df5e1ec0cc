/**
 * Insight's engine operations (issue 12), under the "insight." prefix. The parent (node-api.ts)
 * has checked each request and put the run's folder beside its id; each operation checks the
 * request again (the channel is a boundary too), loads the run's checkpoint once
 * (run-model.ts keeps it warm) and answers.
 */

import { fail, ok, type Result } from '../../../shared/api';
import {
  CLASS_NAMES, checkActivationsRequest, checkFiltersRequest, checkGradCamRequest, checkHistogramsRequest, checkImagesRequest, checkRunRequest, encodeBytes, type Checked, type ValidationImage,
} from '../../../shared/insight';
import { FASHION_MNIST } from '../../../shared/training/fashion-mnist';
import type { OperationContext, OperationRegistry } from '../service/registry';
import { activations } from './activations';
import { validationSet } from './data';
import { evaluateRun } from './evaluate';
import { filters } from './filters';
import { gradCam } from './grad-cam';
import { histograms } from './histograms';
import { InsightError, runEpochs, runModel, type RunModel } from './run-model';

export const INSIGHT_OPERATIONS = [
  'insight.epochs', 'insight.evaluate', 'insight.images', 'insight.activations', 'insight.gradCam', 'insight.filters', 'insight.histograms',
] as const;
export type InsightOperation = (typeof INSIGHT_OPERATIONS)[number];

const runDirOf = (args: unknown): string | null => {
  const d = (args as { runDir?: unknown } | null)?.runDir;
  return typeof d === 'string' && d.length > 0 ? d : null;
};

/** An InsightError (or a data-set or file failure) as the Api's error value; anything else is re-thrown to the registry's net. */
function asFailure(err: unknown): Result<never> {
  if (err instanceof InsightError) return fail(err.code, err.message);
  const code = (err as { code?: unknown })?.code;
  if (err instanceof Error && typeof code === 'string' && /^[a-z-]+$/.test(code)) return fail(code, err.message);
  throw err;
}

/** A checked request against the run it names, loaded at its epoch. */
function onRun<T extends { epoch: number | null }, R>(check: (v: unknown) => Checked<T>, answer: (m: RunModel, req: T, ctx: OperationContext) => R | Promise<R>) {
  return async (args: unknown, ctx: OperationContext): Promise<Result<R>> => {
    const checked = check(args);
    if (!checked.ok) return fail('bad-request', checked.message);
    const runDir = runDirOf(args);
    if (!runDir) return fail('bad-request', 'The insight request carries no run folder.');
    try {
      return ok(await answer(await runModel(runDir, checked.value.epoch), checked.value, ctx));
    } catch (err) {
      return asFailure(err);
    }
  };
}

function epochs(args: unknown): Result<unknown> {
  const checked = checkRunRequest(args);
  if (!checked.ok) return fail('bad-request', checked.message);
  const runDir = runDirOf(args);
  if (!runDir) return fail('bad-request', 'The insight request carries no run folder.');
  try {
    return ok({ runId: checked.value.runId, ...runEpochs(runDir) });
  } catch (err) {
    return asFailure(err);
  }
}

const PLANE = FASHION_MNIST.side * FASHION_MNIST.side;

function images(args: unknown): Result<ValidationImage[]> {
  const checked = checkImagesRequest(args);
  if (!checked.ok) return fail('bad-request', checked.message);
  try {
    const set = validationSet();
    const past = checked.value.indices.find((i) => i >= set.count);
    if (past !== undefined) return fail('bad-request', `The test set here has ${set.count} images; ${past} is past its end.`);
    return ok(checked.value.indices.map((index) => ({
      index, label: set.labels[index], className: CLASS_NAMES[set.labels[index]], pixels: encodeBytes(set.images.subarray(index * PLANE, (index + 1) * PLANE)),
    })));
  } catch (err) {
    return asFailure(err);
  }
}

export function registerInsightOperations(registry: OperationRegistry): void {
  registry.register('insight.epochs', epochs);
  registry.register('insight.evaluate', onRun(checkRunRequest, (m, _req, ctx) => evaluateRun(m, ctx.backend.name)));
  registry.register('insight.images', images);
  registry.register('insight.activations', onRun(checkActivationsRequest, activations));
  registry.register('insight.gradCam', onRun(checkGradCamRequest, gradCam));
  registry.register('insight.filters', onRun(checkFiltersRequest, filters));
  registry.register('insight.histograms', onRun(checkHistogramsRequest, histograms));
}
