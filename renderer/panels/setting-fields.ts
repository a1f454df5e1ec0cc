/**
 * The Training panel's fields as the settings table describes them (shared/training/settings.ts):
 * which settings it shows, each input's bounds, step, placeholder and tooltip, and how typed text
 * becomes a value. Kept apart from the component so a test can hold them to the table.
 */

import { SETTINGS, SETTING_KEYS, rangeText, settingFromText, type SettingKey, type SettingSpec } from '../../shared/training/settings';

export const PANEL_SETTINGS: readonly SettingKey[] = SETTING_KEYS.filter((k) => SETTINGS[k].panel);

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The tooltip: what the setting does and what it accepts. */
export function fieldTitle(spec: SettingSpec): string {
  const empty = spec.nullable ? `; leave empty for ${spec.nullMeans ?? 'none'}` : '';
  return `${capitalised(spec.help)}: ${rangeText(spec)}${empty}.`;
}

export interface NumberFieldAttributes {
  type: 'number';
  min: number;
  max: number;
  step: number;
  placeholder: string | undefined;
  title: string;
}

export function numberFieldAttributes(spec: Extract<SettingSpec, { kind: 'int' | 'number' }>): NumberFieldAttributes {
  return {
    type: 'number', min: spec.min, max: spec.max, step: spec.kind === 'int' ? 1 : spec.step,
    placeholder: spec.nullable ? spec.nullMeans : undefined, title: fieldTitle(spec),
  };
}

/**
 * What the field's text sets, or undefined to leave the setting as it is (text that is not yet a
 * number). Bounds are not enforced while typing: Start checks them through the plan.
 */
export function fieldValue(spec: SettingSpec, text: string): unknown {
  const read = settingFromText(spec, text);
  return read.ok ? read.value : undefined;
}
