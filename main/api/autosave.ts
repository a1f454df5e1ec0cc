/**
 * The autosave behind the Api's saveAutosave/loadAutosave/discardAutosave: one file,
 * autosave.json, in the host's data folder (the desktop's userData, browser mode's data folder),
 * written whole through main/common/atomic.ts so a crash mid-write leaves the previous autosave.
 * The page sends the document every second or so while it changes; writes are serialised and a
 * write that is overtaken by a newer document is skipped, so the file only ever moves forward.
 */

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fail, ok, type AutosaveDoc, type Autosaved, type Result } from '../../shared/api';
import { MAX_GRAPH_BYTES, parseGraph } from '../../shared/graph/parse';
import { writeJsonAtomicAsync } from '../common/atomic';
import { readTextFile } from '../common/read-file';

export const AUTOSAVE_JSON = 'autosave.json';

/** Room for the graph's own limit and the few fields around it. */
const AUTOSAVE_FILE = { maxBytes: MAX_GRAPH_BYTES + 64 * 1024, what: 'the autosave' };
const MAX_FILE_NAME = 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The document if it is one the app could have made, or why not. */
export function checkAutosaveDoc(value: unknown): Result<AutosaveDoc> {
  if (!isObject(value)) return fail('bad-request', 'Expected { graph, file, dirty }.');
  const { doc, diagnostics } = parseGraph(value.graph);
  if (!doc) return fail('invalid-graph', `The autosaved graph is not a graph ConvStudio can load: ${diagnostics[0]?.message ?? 'unknown problem'}.`, { diagnostics });
  let file: AutosaveDoc['file'] = null;
  if (value.file !== null && value.file !== undefined) {
    const f = value.file;
    if (!isObject(f) || typeof f.name !== 'string' || !f.name || f.name.length > MAX_FILE_NAME || !(f.path === null || f.path === undefined || (typeof f.path === 'string' && f.path.length <= MAX_FILE_NAME * 4))) {
      return fail('bad-request', 'file must be null or { name: string, path: string | null }.');
    }
    file = { name: f.name, path: typeof f.path === 'string' ? f.path : null };
  }
  if (typeof value.dirty !== 'boolean') return fail('bad-request', 'dirty must be true or false.');
  return ok({ graph: doc, file, dirty: value.dirty });
}

export interface Autosave {
  save(args: unknown): Promise<Result<{ savedAt: string }>>;
  load(): Promise<Result<Autosaved | null>>;
  discard(): Promise<Result<null>>;
}

export function createAutosave(dataDir: string): Autosave {
  const file = path.join(path.resolve(dataDir), AUTOSAVE_JSON);
  let chain: Promise<unknown> = Promise.resolve();
  /** Counts requests, so a write overtaken by a newer one (or by a discard) is skipped. */
  let latest = 0;

  /** Runs `fn` after every write before it: two writes of one file never interleave. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  };

  return {
    async save(args) {
      if (!isObject(args)) return fail('bad-request', 'Expected { doc }.');
      const checked = checkAutosaveDoc(args.doc);
      if (!checked.ok) return checked;
      const ticket = ++latest;
      const savedAt = new Date().toISOString();
      return serial(async () => {
        if (ticket !== latest) return ok({ savedAt });
        try {
          await fsp.mkdir(path.dirname(file), { recursive: true });
          await writeJsonAtomicAsync(file, { savedAt, ...checked.value } satisfies Autosaved);
          return ok({ savedAt });
        } catch (e) {
          return fail('io-error', `Could not autosave to ${file}: ${errorMessage(e)}. Free some disk space or check the folder's permissions; save the graph to a file meanwhile.`);
        }
      });
    },

    async load() {
      return serial(async () => {
        const read = await readTextFile(file, AUTOSAVE_FILE);
        if (!read.ok) return read.code === 'not-found' ? ok(null) : fail('io-error', read.message);
        let value: unknown;
        try {
          value = JSON.parse(read.text);
        } catch (e) {
          return fail('invalid-autosave', `The autosave ${file} is not valid JSON (${errorMessage(e)}); delete it to start afresh.`);
        }
        const checked = checkAutosaveDoc(value);
        if (!checked.ok) return fail('invalid-autosave', `The autosave ${file} cannot be restored: ${checked.error.message} Delete it to start afresh.`);
        const savedAt = isObject(value) && typeof value.savedAt === 'string' ? value.savedAt : new Date(0).toISOString();
        return ok({ savedAt, ...checked.value });
      });
    },

    async discard() {
      latest++;
      return serial(async () => {
        try {
          await fsp.rm(file, { force: true });
          return ok(null);
        } catch (e) {
          return fail('io-error', `Could not remove the autosave ${file}: ${errorMessage(e)}`);
        }
      });
    },
  };
}
