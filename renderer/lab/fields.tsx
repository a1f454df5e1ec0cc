/**
 * The lab's settings fields and its problem box. Fields read text with the inspector's own parser
 * (renderer/model/format.ts) but leave the bounds to the shape engine, so "0" for a stride reaches
 * the check and is explained in the canvas's words instead of being stopped at the field.
 */

import type { ReactNode } from 'react';
import { nodeSpec, type ParamSpec } from '../../shared/graph/catalogue';
import type { Diagnostic, Fix, ParamValue } from '../../shared/graph/types';
import { parseParamText } from '../model/format';

/** A layer's param spec without its bounds: the lab's text is read, its range judged by the check. */
export function looseSpec(type: string, name: string): ParamSpec {
  const spec = nodeSpec(type)?.params.find((p) => p.name === name);
  if (!spec) throw new Error(`${type} has no param ${name}`);
  return { ...spec, min: undefined, max: undefined };
}

export type Parsed = { value: ParamValue } | { error: string };

export function parseField(spec: ParamSpec, text: string): Parsed {
  return parseParamText(spec, text);
}

/** "1, 2" or "1×2" or "2" for a 3-D window: an int or a triple. */
export function parseTriple(name: string, text: string): { value: number | [number, number, number] } | { error: string } {
  const parts = text.trim().split(/\s*(?:×|x|,|\*)\s*|\s+/).filter(Boolean);
  const nums = parts.map((p) => (/^-?\d+$/.test(p) ? Number(p) : null));
  if ((nums.length !== 1 && nums.length !== 3) || nums.some((n) => n === null)) return { error: `${name} must be an int or d, h, w` };
  return nums.length === 1 ? { value: nums[0] as number } : { value: nums as [number, number, number] };
}

/** How a param value is typed back into a field ("1, 2" for a pair). */
export const fieldText = (v: ParamValue): string => (Array.isArray(v) ? (v[0] === v[1] ? String(v[0]) : `${v[0]}, ${v[1]}`) : String(v));

export function Field({ label, value, onChange, error, help, testId, width = 64 }: {
  label: ReactNode; value: string; onChange(v: string): void; error?: string | null; help: string; testId: string; width?: number;
}) {
  return (
    <label className="lab-field" title={help}>
      <span className="lab-field-label">{label}</span>
      <input className={error ? 'invalid' : undefined} style={{ width }} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} spellCheck={false} />
      {error && <span className="field-error" data-testid={`${testId}-error`}>{error}</span>}
    </label>
  );
}

/**
 * Why there is no output: the diagnostics in the words the canvas uses, with the canvas's fix as a
 * button where the check offers one and the section can apply it.
 */
export function Problems({ message, diagnostics, onFix, testId = 'lab-problem' }: {
  message: string; diagnostics: Diagnostic[]; onFix?(fix: Fix): boolean; testId?: string;
}) {
  const list = diagnostics.length ? diagnostics : [{ severity: 'error' as const, code: 'lab', message }];
  return (
    <div className="lab-problem" role="alert" data-testid={testId}>
      <strong>No output:</strong>
      <ul>
        {list.map((d, i) => (
          <li key={i}>
            {d.message}
            {d.fix && onFix && (
              <button className="fix-button" onClick={() => onFix(d.fix!)} data-testid={`${testId}-fix`}>
                {d.fix.label}
              </button>
            )}
          </li>
        ))}
      </ul>
      {diagnostics.some((d) => d.nodeId) && <div className="lab-problem-note">The canvas's own check of this layer (the lab calls its input X and its layer {diagnostics.find((d) => d.nodeId)!.nodeId}).</div>}
    </div>
  );
}
