/**
 * The Training panel's GPU check: the same report as `convstudio doctor` (the Api's doctor
 * call) — which backends are installed, which device each would use, and for each that cannot
 * use a GPU, why and the fix. Asked for on demand: the check starts probe processes and takes a
 * few seconds.
 */

import { useState } from 'react';
import type { DoctorBackend, DoctorReport } from '../../shared/api';
import { host } from '../api/host';

type State = { kind: 'idle' } | { kind: 'checking' } | { kind: 'done'; report: DoctorReport } | { kind: 'failed'; message: string };

function BackendRow({ b }: { b: DoctorBackend }) {
  return (
    <li className="gpu-backend" data-testid={`gpu-backend-${b.name}`} data-gpu={b.gpu ? 'yes' : 'no'}>
      <div>
        <strong>{b.name}</strong> <span className="muted">{b.installed ? '' : 'not installed · '}{b.device}</span>
      </div>
      {b.problems.map((p, i) => (
        <div key={i} className="gpu-problem">
          <span className="warn-text">{p.problem}</span>
          <div className="muted">Fix: {p.fix}</div>
        </div>
      ))}
      {b.findings.length > 0 && (
        <details>
          <summary className="muted">found</summary>
          <ul>{b.findings.map((f, i) => <li key={i}>{f}</li>)}</ul>
        </details>
      )}
    </li>
  );
}

export function GpuCheck() {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const check = async () => {
    setState({ kind: 'checking' });
    const r = await host().api.doctor();
    setState(r.ok ? { kind: 'done', report: r.value } : { kind: 'failed', message: r.error.message });
  };
  const gpu = state.kind === 'done' ? state.report.backends.filter((b) => b.gpu).map((b) => b.name) : [];
  return (
    <section className="gpu-check" data-testid="gpu-check">
      <button data-testid="gpu-check-run" disabled={state.kind === 'checking'} onClick={() => void check()} title="Which backends can train on a GPU here, and what to fix (convstudio doctor)">
        {state.kind === 'checking' ? 'Checking GPU…' : 'Check GPU'}
      </button>
      {state.kind === 'failed' && <p className="error-text">{state.message}</p>}
      {state.kind === 'done' && (
        <div data-testid="gpu-report">
          <p>
            Auto trains on <strong data-testid="gpu-auto">{state.report.auto.backend}</strong>: {state.report.auto.device}.{' '}
            {gpu.length ? `GPU: ${gpu.join(', ')}.` : 'No backend can use a GPU here.'}
          </p>
          <ul className="gpu-backends">{state.report.backends.map((b) => <BackendRow key={b.name} b={b} />)}</ul>
          {state.report.unchecked.map((u, i) => <p key={i} className="muted">Not checked: {u}</p>)}
        </div>
      )}
    </section>
  );
}
