/** Start's gate in the Training panel: the reason it is disabled, beside it, and each setting's problem beside its field. */

import type { SettingKey } from '../../shared/training/settings';
import { useStartCheck } from './use-start-check';

/** Whether Start may start, and why not: for the button's `disabled` and its tooltip. */
export function useStartGate(): { ok: boolean; reason: string | null } {
  const { reason } = useStartCheck();
  return { ok: reason === null, reason };
}

export function StartReason({ running }: { running: boolean }) {
  const { reason } = useStartCheck();
  if (running || !reason) return null;
  return <p className="start-reason warn-text" data-testid="start-reason">Start is disabled: {reason}</p>;
}

export function FieldProblem({ name }: { name: SettingKey }) {
  const problem = useStartCheck().settings[name];
  if (!problem) return null;
  return <span className="field-problem error-text" data-testid={`cfg-${name}-problem`} role="alert">{problem}</span>;
}
