/**
 * One source for each setting bound: for every setting in the table, values at and just past each
 * bound, of the wrong type, and null go through every surface that takes settings — the Api
 * (startTraining), the training process's re-check of its run folder (planRun on a real
 * config.json), the CLI's flag parser, and the Training panel's fields — and all must accept or
 * refuse alike. The expected outcome comes from the kind of probe (at the bound, past it), not
 * from the validator under test.
 */

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeApi } from '../../../main/api/node-api';
import { parseArgs, run as runCli } from '../../../main/cli/train';
import { planRun } from '../../../main/engine/node-trainer';
import { createRun, readRunConfig } from '../../../main/runs/run-folder';
import { PANEL_SETTINGS, numberFieldAttributes } from '../../../renderer/panels/setting-fields';
import { getTemplate } from '../../../shared/templates/index';
import { DEFAULT_TRAIN_CONFIG, SETTINGS, SETTING_KEYS, rangeText, type SettingKey, type SettingSpec, type TrainConfig } from '../../../shared/training/settings';

interface Probe {
  what: string;
  value: unknown;
  /** How a command line says it; null where text cannot (a JSON number 5 as a folder path). */
  text: string | null;
  accepted: boolean;
}

const num = (what: string, value: number, accepted: boolean): Probe => ({ what, value, text: String(value), accepted });

function probes(spec: SettingSpec): Probe[] {
  const nullProbe: Probe = { what: 'null', value: null, text: 'none', accepted: spec.nullable === true };
  switch (spec.kind) {
    case 'int':
      return [
        num('the minimum', spec.min, true), num('one below the minimum', spec.min - 1, false),
        num('the maximum', spec.max, true), num('one above the maximum', spec.max + 1, false),
        num('a fraction', spec.min + 0.5, false),
        { what: 'a word', value: 'ten', text: 'ten', accepted: false },
        nullProbe,
      ];
    case 'number':
      return [
        num('the minimum', spec.min, !spec.exclusiveMin), num('one step above the minimum', spec.min + spec.step, true),
        num('one step below the minimum', spec.min - spec.step, false),
        num('the maximum', spec.max, true), num('one step above the maximum', spec.max + spec.step, false),
        num('NaN', Number.NaN, false), num('infinity', Number.POSITIVE_INFINITY, false),
        { what: 'a word', value: 'fast', text: 'fast', accepted: false },
        nullProbe,
      ];
    case 'choice':
      return [
        ...spec.choices.map((c) => ({ what: `"${c}"`, value: c, text: c, accepted: true })),
        { what: 'an unknown choice', value: 'gpu', text: 'gpu', accepted: false },
        { what: 'a choice in capitals', value: spec.choices[0].toUpperCase(), text: spec.choices[0].toUpperCase(), accepted: false },
        { what: 'a number', value: 5, text: '5', accepted: false },
        nullProbe,
      ];
    case 'boolean':
      return [
        { what: 'true', value: true, text: 'true', accepted: true },
        { what: 'false', value: false, text: 'false', accepted: true },
        { what: 'a word', value: 'yes', text: 'yes', accepted: false },
        nullProbe,
      ];
    case 'path':
      return [
        { what: 'a folder', value: '/usr/share/datasets/fashion-mnist', text: '/usr/share/datasets/fashion-mnist', accepted: true },
        { what: 'the longest path', value: `/${'d'.repeat(spec.maxLength - 1)}`, text: `/${'d'.repeat(spec.maxLength - 1)}`, accepted: true },
        { what: 'one character longer', value: `/${'d'.repeat(spec.maxLength)}`, text: `/${'d'.repeat(spec.maxLength)}`, accepted: false },
        { what: 'a NUL byte', value: '/tmp/a\0b', text: '/tmp/a\0b', accepted: false },
        // A command line cannot pass an empty or a numeric folder apart from "none" and a name.
        { what: 'an empty string', value: '', text: null, accepted: false },
        { what: 'a number', value: 5, text: null, accepted: false },
        nullProbe,
      ];
  }
}

const lenet = getTemplate('lenet')!;
const api = createNodeApi({ runsRoot: '/tmp/cs-settings-agreement' });
const runsRoot = mkdtempSync(path.join(os.tmpdir(), 'cs-settings-'));

/** What a setting's probes are tried beside: settings valid alone that need another (plan.ts's optimizerProblems). */
const BESIDE: Partial<Record<SettingKey, Partial<TrainConfig>>> = { nesterov: { momentum: 0.9 } };

const cases = SETTING_KEYS.flatMap((key) => probes(SETTINGS[key]).map((p) => ({ key, ...p })))
  .map((c) => [`${c.key} (${SETTINGS[c.key].flag}) = ${c.what}: ${c.accepted ? 'accepted' : 'refused'} everywhere`, c] as const);

describe('every setting bound is one bound: the Api, the training process and the CLI agree', () => {
  it.each(cases)('%s', async (_title, { key, value, text, accepted }) => {
    // The Api: a refused setting is bad-request naming it; an accepted one passes on to the next
    // check (no job manager here: "unavailable"; a resize that disagrees with LeNet's 28×28 Input: "not-trainable").
    const viaApi = await api.startTraining({ graph: lenet, config: { ...BESIDE[key], [key]: value } as unknown as TrainConfig });
    expect(viaApi.ok).toBe(false);
    if (viaApi.ok) return;
    if (accepted) {
      expect(viaApi.error.code, viaApi.error.message).not.toBe('bad-request');
    } else {
      expect(viaApi.error.code).toBe('bad-request');
      expect((viaApi.error.details as { settings: Record<string, string> }).settings[key]).toContain(key);
    }

    // The training process: the same value written to a run folder's config.json and re-checked
    // from disk, as runTraining does before it loads anything.
    // JSON has no NaN or infinity: config.json holds null for them, which a nullable setting allows.
    const representable = typeof value !== 'number' || Number.isFinite(value) || !(SETTINGS[key] as SettingSpec).nullable;
    const { runDir } = createRun(runsRoot, lenet, { ...DEFAULT_TRAIN_CONFIG, ...BESIDE[key], [key]: value } as TrainConfig);
    const viaRun = planRun(runDir, readRunConfig(runDir).config);
    const runRefused = !viaRun.ok && viaRun.error.code === 'bad-request';
    if (representable) expect(runRefused, viaRun.ok ? 'planned' : viaRun.error.message).toBe(!accepted);
    if (!viaRun.ok && runRefused) expect(viaRun.error.settings?.[key]).toContain(key);

    // The CLI: the flag's text is parsed and bounded as it is read.
    if (text === null) return;
    const viaCli = (() => {
      try {
        // A boolean flag takes its value after "=" (alone it means true).
        const args = SETTINGS[key].kind === 'boolean' ? [`${SETTINGS[key].flag}=${text}`] : [SETTINGS[key].flag, text];
        return { ok: true as const, value: parseArgs(['lenet', ...args]).config[key] };
      } catch (err) {
        return { ok: false as const, message: (err as Error).message };
      }
    })();
    expect(viaCli.ok, viaCli.ok ? '' : viaCli.message).toBe(accepted);
    if (viaCli.ok) expect(viaCli.value).toEqual(value);
    else expect(viaCli.message).toContain(SETTINGS[key].flag);
  });
});

const numericPanelSettings = PANEL_SETTINGS.filter((k): k is SettingKey => SETTINGS[k].kind === 'int' || SETTINGS[k].kind === 'number');

describe('the Training panel shows the bounds the validator enforces', () => {
  it.each(numericPanelSettings)('%s: the field\'s min, max and step are where the Api flips between accept and refuse', async (key) => {
    const spec = SETTINGS[key] as Extract<SettingSpec, { kind: 'int' | 'number' }>;
    const field = numberFieldAttributes(spec);
    const verdict = async (v: number) => {
      const r = await api.startTraining({ graph: lenet, config: { [key]: v } as unknown as TrainConfig });
      return !r.ok && r.error.code === 'bad-request' ? 'refused' : 'accepted';
    };
    expect(await verdict(field.max)).toBe('accepted');
    expect(await verdict(field.max + field.step)).toBe('refused');
    expect(await verdict(field.min - field.step)).toBe('refused');
    expect(await verdict(field.min + field.step)).toBe('accepted');
    expect(await verdict(field.min)).toBe(spec.kind === 'number' && spec.exclusiveMin ? 'refused' : 'accepted');
    expect(field.placeholder !== undefined).toBe(spec.nullable === true);
  });

  it('shows every setting the panel is meant to, and the backends in auto\'s order', () => {
    expect(PANEL_SETTINGS).toEqual(SETTING_KEYS.filter((k) => SETTINGS[k].panel));
    expect(PANEL_SETTINGS.length).toBeGreaterThan(0);
    expect(SETTINGS.backend.choices).toEqual(['auto', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu']);
  });
});

describe('convstudio train --help', () => {
  it.each(SETTING_KEYS)('lists %s with its flag, range and default', async (key) => {
    const spec = SETTINGS[key] as SettingSpec;
    const out: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
    try {
      expect(await runCli(['--help'])).toBe(0);
    } finally {
      console.log = log;
    }
    const line = out.join('\n').split('\n').find((l) => l.trimStart().startsWith(`${spec.flag} `));
    expect(line, `no --help line for ${spec.flag}`).toBeDefined();
    if (spec.kind !== 'path') expect(line).toContain(rangeText(spec, 'none'));
    expect(line).toContain(spec.default === null ? String(spec.nullMeans) : `default ${String(spec.default)}`);
  });
});
