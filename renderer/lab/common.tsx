/** Pieces every lab section uses: the scene chips, the engine's signature line, "use this kernel". */

import { useState, type ReactNode } from 'react';
import type { ParamValue } from '../../shared/graph/types';
import type { Grid } from '../../shared/lab/types';
import { useStore } from '../store/index';
import type { LabAnswer } from './use-lab-result';

export function Scenes({ scenes, current, onPick, testId }: { scenes: { id: string; label: string; about: string }[]; current: string | null; onPick(id: string): void; testId: string }) {
  return (
    <div className="lab-scenes" role="toolbar" aria-label="Notebook scenes">
      <span className="muted">From the notebook:</span>
      {scenes.map((s) => (
        <button key={s.id} className={current === s.id ? 'chip active' : 'chip'} title={s.about} onClick={() => onPick(s.id)} data-testid={`${testId}-${s.id}`}>
          {s.label}
        </button>
      ))}
    </div>
  );
}

/** Who computed the numbers on screen: the engine, which backend, how long the round trip took. */
export function EngineLine({ answer }: { answer: LabAnswer<{ backend: string }> }) {
  const r = answer.result;
  if (!answer.requested) return null;
  if (!r) return <div className="lab-engine muted">Asking the engine… (the first question starts it)</div>;
  if (!r.ok) return null;
  return (
    <div className="lab-engine muted" data-testid="lab-engine">
      {answer.stale ? 'Computing… ' : ''}Computed by ConvStudio's engine ({r.value.backend} backend) through the Api{answer.ms !== null ? ` in ${answer.ms} ms` : ''}.
    </div>
  );
}

export function Explain({ children, empty }: { children?: ReactNode; empty: string }) {
  return <div className="lab-explain" data-testid="lab-explain">{children ?? <span className="muted">{empty}</span>}</div>;
}

/**
 * Puts a one-channel kernel into the network on the canvas as a Conv2d after the Input, with the
 * kernel as its fixed initial weights, frozen or not, and shows the canvas.
 */
export function UseKernel({ kernel, conv, testId = 'lab-use-kernel' }: { kernel: Grid | null; conv: { stride: ParamValue; padding: ParamValue; dilation: ParamValue }; testId?: string }) {
  const [frozen, setFrozen] = useState(true);
  const use = () => {
    if (!kernel) return;
    const s = useStore.getState();
    const id = s.insertAfterInput({
      type: 'Conv2d',
      params: { out_channels: 1, kernel_size: [kernel.length, kernel[0].length], stride: conv.stride, padding: conv.padding, dilation: conv.dilation, bias: false, frozen },
      init: { weight: kernel.flat() },
    });
    s.setView('canvas');
    s.setTab('inspect');
    s.toast('info', `Added Conv2d ${id} after the Input, starting from your ${kernel.length}×${kernel[0].length} kernel${frozen ? ' (frozen: training keeps it)' : ''}.`);
  };
  return (
    <div className="lab-use">
      <button className="primary" disabled={!kernel} onClick={use} data-testid={testId} title="Adds a Conv2d with this kernel right after the Input of the network on the canvas">
        Use this kernel in a network
      </button>
      <label title="A frozen layer is left out of the optimizer: training keeps your kernel as it is">
        <input type="checkbox" checked={frozen} onChange={(e) => setFrozen(e.target.checked)} data-testid={`${testId}-frozen`} /> frozen
      </label>
    </div>
  );
}
