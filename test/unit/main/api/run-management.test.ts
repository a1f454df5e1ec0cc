/**
 * The Api's run management and autosave on real run folders: rename (meta.json, config.json
 * untouched), delete (refused while a live lock holds the run), a run's graph back, and the
 * autosave written whole, read back through the parser, discarded.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeApi } from '../../../../main/api/node-api';
import { AUTOSAVE_JSON } from '../../../../main/api/autosave';
import { createRun, summarizeRun } from '../../../../main/runs/run-folder';
import { acquireRunLock } from '../../../../main/runs/run-lock';
import { META_JSON } from '../../../../main/runs/run-meta';
import { getTemplate } from '../../../../shared/templates/index';
import { DEFAULT_TRAIN_CONFIG } from '../../../../shared/training';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-runs-api-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const lenet = getTemplate('lenet')!;

function fresh(name: string) {
  const runsRoot = path.join(tmp, name, 'runs');
  const dataDir = path.join(tmp, name, 'data');
  return { runsRoot, dataDir, api: createNodeApi({ runsRoot, dataDir }) };
}

describe('renameRun', () => {
  const cases: [string, string, string][] = [
    ['a plain name', 'first try', 'first try'],
    ['surrounding spaces trimmed', '  Adam, lr 1e-3  ', 'Adam, lr 1e-3'],
    ['an empty name, back to the graph\'s', '', lenet.name],
  ];
  it.each(cases)('%s: the history shows it and config.json keeps the graph\'s name', async (_title, given, shown) => {
    const { runsRoot, api } = fresh(`rename-${_title.replace(/\W+/g, '-')}`);
    const { runId, runDir } = createRun(runsRoot, lenet, DEFAULT_TRAIN_CONFIG);
    const configBefore = readFileSync(path.join(runDir, 'config.json'), 'utf8');
    const r = await api.renameRun({ runId, name: given });
    expect(r.ok).toBe(true);
    expect(existsSync(path.join(runDir, META_JSON))).toBe(true);
    expect(summarizeRun(runDir, false)?.name).toBe(shown);
    expect(summarizeRun(runDir, false)?.graphName).toBe(lenet.name);
    expect(readFileSync(path.join(runDir, 'config.json'), 'utf8')).toBe(configBefore);
  });

  it('refuses a name longer than the table can show, saying the limit', async () => {
    const { runsRoot, api } = fresh('rename-long');
    const { runId } = createRun(runsRoot, lenet, DEFAULT_TRAIN_CONFIG);
    const r = await api.renameRun({ runId, name: 'x'.repeat(500) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/at most 120 characters/);
  });
});

describe('deleteRun', () => {
  it('removes an unlocked run folder', async () => {
    const { runsRoot, api } = fresh('delete-free');
    const { runId, runDir } = createRun(runsRoot, lenet, DEFAULT_TRAIN_CONFIG);
    expect(await api.deleteRun({ runId })).toEqual({ ok: true, value: { runId } });
    expect(existsSync(runDir)).toBe(false);
  });

  it('refuses a run whose lock a live process holds, and leaves every file in place', async () => {
    const { runsRoot, api } = fresh('delete-locked');
    const { runId, runDir } = createRun(runsRoot, lenet, DEFAULT_TRAIN_CONFIG);
    const lock = acquireRunLock(runDir);
    try {
      const r = await api.deleteRun({ runId });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('busy');
        expect(r.error.message).toMatch(/Stop it first/);
      }
      expect(existsSync(path.join(runDir, 'config.json'))).toBe(true);
      expect(lock.held()).toBe(true);
    } finally {
      lock.release();
    }
    expect((await api.deleteRun({ runId })).ok).toBe(true);
  });

  it('refuses a run the job manager trains, without touching the folder', async () => {
    const runsRoot = path.join(tmp, 'delete-job', 'runs');
    const { runId, runDir } = createRun(runsRoot, lenet, DEFAULT_TRAIN_CONFIG);
    const jobs = { startPlan: async () => ({ runId, runDir }), stop: () => false, onEvent: () => () => {}, listRuns: async () => [], getRunEvents: async () => [], running: () => [runId], queued: () => [] };
    const r = await createNodeApi({ runsRoot, jobs }).deleteRun({ runId });
    expect(r.ok ? null : r.error.code).toBe('busy');
    expect(existsSync(runDir)).toBe(true);
  });
});

describe('getRunGraph', () => {
  it('gives back the graph the run trained', async () => {
    const { runsRoot, api } = fresh('graph');
    const { runId } = createRun(runsRoot, lenet, DEFAULT_TRAIN_CONFIG);
    const r = await api.getRunGraph({ runId });
    expect(r.ok && r.value.nodes.map((n) => n.type)).toEqual(lenet.nodes.map((n) => n.type));
  });

  it('refuses a graph.json that is not a graph, naming the run', async () => {
    const { runsRoot, api } = fresh('graph-bad');
    const { runId, runDir } = createRun(runsRoot, lenet, DEFAULT_TRAIN_CONFIG);
    writeFileSync(path.join(runDir, 'graph.json'), '{"format":"nope"}');
    const r = await api.getRunGraph({ runId });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(runId);
  });
});

describe('autosave', () => {
  it('is null before anything is saved, the document after, and null again once discarded', async () => {
    const { dataDir, api } = fresh('autosave');
    expect(await api.loadAutosave()).toEqual({ ok: true, value: null });
    const doc = { graph: lenet, file: { name: 'lenet.convstudio.json', path: '/home/s/lenet.convstudio.json' }, dirty: true };
    const saved = await api.saveAutosave({ doc });
    expect(saved.ok).toBe(true);
    const loaded = await api.loadAutosave();
    expect(loaded.ok && loaded.value).toMatchObject({ file: doc.file, dirty: true, graph: { name: lenet.name } });
    expect(loaded.ok && loaded.value?.graph.nodes.length).toBe(lenet.nodes.length);
    expect(existsSync(path.join(dataDir, AUTOSAVE_JSON))).toBe(true);
    expect(await api.discardAutosave()).toEqual({ ok: true, value: null });
    expect(await api.loadAutosave()).toEqual({ ok: true, value: null });
  });

  it('keeps the newest of writes sent at once', async () => {
    const { api } = fresh('autosave-order');
    const names = ['one', 'two', 'three', 'four'];
    await Promise.all(names.map((name) => api.saveAutosave({ doc: { graph: { ...lenet, name }, file: null, dirty: true } })));
    const loaded = await api.loadAutosave();
    expect(loaded.ok && loaded.value?.graph.name).toBe('four');
  });

  const broken: [string, string, RegExp][] = [
    ['not JSON', '{"graph": ', /not valid JSON/],
    ['not a graph', '{"graph": {"format": "nope"}, "file": null, "dirty": false}', /cannot be restored/],
  ];
  it.each(broken)('an autosave that is %s is refused with what to do, not thrown', async (_title, text, message) => {
    const { dataDir, api } = fresh(`autosave-${_title.replace(/\W+/g, '-')}`);
    (await import('node:fs')).mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, AUTOSAVE_JSON), text);
    const r = await api.loadAutosave();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(message);
      expect(r.error.message).toMatch(/Delete it/i);
    }
  });
});
