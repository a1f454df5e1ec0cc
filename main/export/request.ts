/**
 * An export asked for through the Api (the page's File → Export, a run's Export button): the
 * request checked like every payload arriving at main/, the run found under the runs folder, and
 * the export built, or one error value naming what is wrong.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fail, ok, type ExportSummary, type Result } from '../../shared/api';
import { isRunId } from '../runs/run-folder';
import { EXPORT_FORMATS, ExportError, exportNetwork, exportableEpochs, fileSize, type Exported, type ExportFormat } from './export';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The run folder a run id names, or why it names none. */
export function runDirOf(runsRoot: string, runId: unknown): Result<string> {
  if (!isRunId(runId)) return fail('bad-request', `${JSON.stringify(runId)?.slice(0, 80)} is not a run id (letters, digits, ".", "_", "-").`);
  const dir = path.join(runsRoot, runId);
  if (!existsSync(dir)) return fail('not-found', `There is no run "${runId}" in ${runsRoot}.`);
  return ok(dir);
}

export async function exportFromRequest(req: unknown, runsRoot: string, version: string): Promise<Result<Exported>> {
  if (!isObject(req)) return fail('bad-request', 'Expected { format, graph } or { format, runId, epoch? }.');
  const format = req.format as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) return fail('bad-request', `format must be ${EXPORT_FORMATS.join(', ')} (got ${JSON.stringify(req.format)?.slice(0, 40)}).`);
  const hasGraph = 'graph' in req;
  const hasRun = 'runId' in req;
  if (hasGraph === hasRun) return fail('bad-request', 'Name exactly one of graph (the canvas) and runId (a run).');
  const epoch = req.epoch ?? null;
  if (epoch !== null && !(typeof epoch === 'number' && Number.isSafeInteger(epoch) && epoch >= 0)) {
    return fail('bad-request', `epoch must be a whole number, 0 or more, or null for the newest checkpoint (got ${JSON.stringify(epoch)?.slice(0, 40)}).`);
  }
  try {
    if (hasGraph) {
      if (epoch !== null) return fail('bad-request', 'epoch picks a run\'s weights; the canvas has none.');
      return ok(await exportNetwork({ kind: 'graph', graph: req.graph, label: 'the ConvStudio canvas' }, format, { version }));
    }
    const dir = runDirOf(runsRoot, req.runId);
    if (!dir.ok) return dir;
    return ok(await exportNetwork({ kind: 'run', runDir: dir.value, epoch }, format, { version }));
  } catch (e) {
    if (e instanceof ExportError) return fail(e.code, e.message);
    throw e;
  }
}

export function summaryOf(e: Exported): ExportSummary {
  return { name: e.name, folder: e.folder, files: e.files.map((f) => ({ name: f.name, bytes: fileSize(f) })), notes: e.notes };
}

export function epochsOf(runsRoot: string, runId: unknown): Result<number[]> {
  const dir = runDirOf(runsRoot, runId);
  return dir.ok ? ok(exportableEpochs(dir.value)) : dir;
}
