/**
 * An export asked for through the Api (the page's File → Export, a run's Export button): the
 * request checked like every payload arriving at main/, the run found under the runs folder, and
 * the export built, or one error value naming what is wrong.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fail, ok, type ExportSummary, type Result } from '../../shared/api';
import { isRunId } from '../runs/run-folder';
import { EXPORT_FORMATS, ExportError, exportNetwork, exportableEpochs, fileBytes, fileSize, type Exported, type ExportFormat } from './export';
import { zip } from './zip';

/**
 * The largest zip the page is sent. It travels as base64 (4/3 of it) inside one socket reply,
 * which browser mode caps at 64 MB: ResNet-18's trained weights (45 MB) fit, VGG's do not, and
 * those are written by the CLI or the desktop app instead.
 */
export const MAX_PAGE_EXPORT_BYTES = 46 * 1024 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The run folder a run id names, or why it names none. */
export function runDirOf(runsRoot: string, runId: unknown): Result<string> {
  if (!isRunId(runId)) return fail('bad-request', `${JSON.stringify(runId)?.slice(0, 80)} is not a run id (letters, digits, ".", "_", "-").`);
  const dir = path.join(runsRoot, runId);
  if (!existsSync(dir)) return fail('not-found', `There is no run "${runId}" in ${runsRoot}.`);
  return ok(dir);
}

/** Why an export cannot go through the page, and the CLI command that writes it instead. */
function tooLarge(what: string, req: Record<string, unknown>, runsRoot: string): Result<never> {
  const epoch = typeof req.epoch === 'number' ? ` --epoch ${req.epoch}` : '';
  const how = typeof req.runId === 'string'
    ? `Write it with the CLI: convstudio export ${path.join(runsRoot, req.runId)} --to ${String(req.format)}${epoch} --out DIR`
    : `Save the canvas and write it with the CLI: convstudio export FILE.convstudio.json --to ${String(req.format)} --out DIR`;
  return fail('too-large', `${what} That is too large to download through the page (at most ${MAX_PAGE_EXPORT_BYTES / 1048576} MB). ${how}`);
}

/** `forPage`: refuse what the page cannot be sent before building it. */
export async function exportFromRequest(req: unknown, runsRoot: string, version: string, forPage = false): Promise<Result<Exported>> {
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
  const opts = { version, ...(forPage ? { maxWeightBytes: MAX_PAGE_EXPORT_BYTES } : {}) };
  try {
    if (hasGraph) {
      if (epoch !== null) return fail('bad-request', 'epoch picks a run\'s weights; the canvas has none.');
      return ok(await exportNetwork({ kind: 'graph', graph: req.graph, label: 'the ConvStudio canvas' }, format, opts));
    }
    const dir = runDirOf(runsRoot, req.runId);
    if (!dir.ok) return dir;
    return ok(await exportNetwork({ kind: 'run', runDir: dir.value, epoch }, format, opts));
  } catch (e) {
    if (e instanceof ExportError) return e.code === 'too-large' ? tooLarge(e.message, req, runsRoot) : fail(e.code, e.message);
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

/** The export as one zip for the page to download, or, past MAX_PAGE_EXPORT_BYTES, the CLI command that writes it. */
export function zipForPage(e: Exported, req: unknown, runsRoot: string): Result<ExportSummary & { zip: string }> {
  const archive = zip(e.files.map((f) => ({ name: `${e.folder}/${f.name}`, data: fileBytes(f) })));
  if (archive.length > MAX_PAGE_EXPORT_BYTES) return tooLarge(`The export is ${Math.round(archive.length / 1048576)} MB.`, req as Record<string, unknown>, runsRoot);
  return ok({ ...summaryOf(e), zip: archive.toString('base64') });
}
