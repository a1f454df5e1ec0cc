/** The settings table's own rules: defaults, text, unknown fields, and kinds no setting uses yet. */

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRAIN_CONFIG, SETTINGS, SETTING_KEYS, checkTrainConfig, isValidSetting, settingFromText, settingProblem,
  type SettingSpec,
} from '../../../shared/training/settings';

describe('the settings table', () => {
  it.each(SETTING_KEYS)('%s: its default is one of its own values, and it has a label, help and flag', (key) => {
    const spec: SettingSpec = SETTINGS[key];
    expect(isValidSetting(spec, DEFAULT_TRAIN_CONFIG[key])).toBe(true);
    expect(spec.label.length).toBeGreaterThan(0);
    expect(spec.help.length).toBeGreaterThan(0);
    expect(spec.flag).toMatch(/^--[a-z][a-z-]*$/);
    if (spec.default === null) expect(spec.nullable && spec.nullMeans).toBeTruthy();
  });

  it('gives every setting its own flag', () => {
    const flags = SETTING_KEYS.map((k) => SETTINGS[k].flag);
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('keeps the defaults from being changed by a caller', () => {
    expect(Object.isFrozen(DEFAULT_TRAIN_CONFIG)).toBe(true);
  });
});

describe('checkTrainConfig', () => {
  it.each([['undefined', undefined], ['null', null], ['an empty object', {}]])('fills every setting from the defaults for %s', (_what, input) => {
    expect(checkTrainConfig(input)).toEqual({ ok: true, value: DEFAULT_TRAIN_CONFIG });
  });

  it('refuses unknown fields, naming the first few, and copies only known ones', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "epochs": 3}');
    const r = checkTrainConfig(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/"__proto__", "a", "b", "c", "d" and 1 more are not training settings \(known: epochs, /);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports each bad setting once, by name, for a form to show beside its field', () => {
    const r = checkTrainConfig({ epochs: 0, lr: 'fast', backend: 'wasm' });
    expect(r).toMatchObject({ ok: false, settings: { epochs: expect.stringMatching(/^epochs must be a whole number from 1 to 1000 \(got 0\)$/), lr: expect.stringMatching(/got "fast"/) } });
    if (!r.ok) expect(Object.keys(r.settings)).toEqual(['epochs', 'lr']);
  });
});

const int: SettingSpec = { kind: 'int', min: 1, max: 100, default: 1, label: 'N', help: 'n', flag: '--n', arg: 'N', panel: true };
const nullableInt: SettingSpec = { ...int, nullable: true, default: null, nullMeans: 'all' };
const real: SettingSpec = { kind: 'number', min: 0, max: 1, step: 0.1, default: 0.5, label: 'X', help: 'x', flag: '--x', arg: 'X', panel: true };
// The kinds the optimizers will need (nesterov, optimizer): each is one more table entry.
const flag: SettingSpec = { kind: 'boolean', default: false, label: 'Nesterov', help: 'Nesterov momentum', flag: '--nesterov', panel: true };
const choice: SettingSpec = { kind: 'choice', choices: ['sgd', 'adam'], default: 'sgd', label: 'Optimizer', help: 'optimizer', flag: '--optimizer', arg: 'O', panel: true };
const SPECS = { int, 'nullable int': nullableInt, number: real, boolean: flag, choice };
type Kind = keyof typeof SPECS;

describe('settingFromText reads a setting typed as text; bounds stay settingProblem\'s', () => {
  it.each([
    ['int', '12', { ok: true, value: 12 }],
    ['int', ' 12 ', { ok: true, value: 12 }],
    ['int', '1e2', { ok: true, value: 100 }],
    ['int', '1000', { ok: true, value: 1000 }],
    ['int', '1.5', { ok: false, expected: 'a whole number' }],
    ['int', 'ten', { ok: false, expected: 'a whole number' }],
    ['int', '', { ok: false, expected: 'a whole number' }],
    ['int', 'none', { ok: false, expected: 'a whole number' }],
    ['nullable int', 'none', { ok: true, value: null }],
    ['nullable int', '', { ok: true, value: null }],
    ['number', '0.25', { ok: true, value: 0.25 }],
    ['number', 'Infinity', { ok: false, expected: 'a number' }],
    ['boolean', 'true', { ok: true, value: true }],
    ['boolean', 'false', { ok: true, value: false }],
    ['boolean', 'yes', { ok: false, expected: 'true or false' }],
    ['choice', 'adam', { ok: true, value: 'adam' }],
  ] as [Kind, string, unknown][])('%s: %j → %j', (kind, text, expected) => {
    expect(settingFromText(SPECS[kind], text)).toEqual(expected);
  });
});

describe('settingProblem names the setting, what it accepts and what it got', () => {
  it.each([
    ['int', 0, 'n', 'n must be a whole number from 1 to 100 (got 0)'],
    ['nullable int', 'x', '--n', '--n must be a whole number from 1 to 100, or none (got "x")'],
    ['number', 2, 'x', 'x must be a number from 0 to 1 (got 2)'],
    ['boolean', 'yes', 'nesterov', 'nesterov must be true or false (got "yes")'],
    ['choice', 'sgdw', 'optimizer', 'optimizer must be one of sgd, adam (got "sgdw")'],
    ['choice', { a: 'x'.repeat(100) }, 'optimizer', `optimizer must be one of sgd, adam (got {"a":"${'x'.repeat(31)}...)`],
  ] as [Kind, unknown, string, string][])('%s refuses %j', (kind, value, name, message) => {
    expect(settingProblem(SPECS[kind], value, name, name.startsWith('--') ? 'none' : 'null')).toBe(message);
  });

  it.each([['int', 1], ['int', 100], ['nullable int', null], ['number', 0], ['boolean', true], ['choice', 'adam']] as [Kind, unknown][])('%s accepts %j', (kind, value) => {
    expect(settingProblem(SPECS[kind], value, 'x')).toBeNull();
  });
});
