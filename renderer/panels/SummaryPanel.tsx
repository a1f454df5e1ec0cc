/**
 * The d2l-style layer table (`layer_summary`: each layer's output shape, as torch.Size with
 * batch 1) with params, MACs and receptive field per layer, and the totals; and the memory
 * training needs at the Training panel's batch size — per layer its activations (kept for the
 * backward pass, with their gradient) and its parameters (with gradient and optimizer state) —
 * and in all, with the problems the Start check would refuse (a tensor past tfjs's index range;
 * past this machine's memory, or 4 GB on wasm), so they are seen while designing.
 */

import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { nodeSpec } from '../../shared/graph/catalogue';
import { formatSummary } from '../../shared/graph/summary';
import { formatBytes, formatCount, formatScaled, formatTorchShape } from '../../shared/format';
import { WASM_MEMORY_BYTES, estimateMemory, memoryDiagnostics } from '../../shared/shapes/memory';
import { useStartCheck } from '../estimate/use-start-check';
import { DEFAULT_TRAIN_CONFIG } from '../../shared/training/settings';
import { useStore, type Store } from '../store/index';

const selectSummary = (s: Store) => ({ analysis: s.analysis, nodes: s.nodes, batch: s.config.batchSize, backend: s.config.backend });

const WASM_LIMIT = { bytes: WASM_MEMORY_BYTES, what: "the wasm backend's memory (WebAssembly's limit)" };

export function SummaryPanel() {
  const { analysis, nodes, batch: configured, backend } = useStore(useShallow(selectSummary));
  // A half-typed field can leave any number here; the estimate is for a batch training accepts.
  const batch = Number.isInteger(configured) && configured >= 1 ? configured : DEFAULT_TRAIN_CONFIG.batchSize;
  const typeOf = new Map(nodes.map((n) => [n.id, n.data.type]));
  const rows = analysis.order.filter((id) => typeOf.has(id));
  const memory = useMemo(() => estimateMemory(analysis, { batch }), [analysis, batch]);
  // The machine's memory once the host has said it; until then wasm's limit, which is known here.
  const { limit: machineLimit } = useStartCheck();
  const limit = machineLimit ?? (backend === 'wasm' ? WASM_LIMIT : null);
  const memoryProblems = useMemo(() => memoryDiagnostics(memory, { limit }), [memory, limit]);
  const nodeMemory = new Map(memory.nodes.map((m) => [m.id, m]));
  const slots = memory.fixedBytes / Math.max(memory.totals.params, 1);
  const t = memory.totals;
  return (
    <div className="summary" data-testid="summary">
      <div className="totals" data-testid="totals">
        <div>
          <strong>{formatCount(analysis.totals.params)}</strong> params
        </div>
        <div>
          <strong>{formatScaled(analysis.totals.macs)}</strong> MACs / sample
        </div>
        <div className={analysis.ok ? 'ok-text' : 'error-text'}>{analysis.ok ? 'valid' : `${analysis.counts.errors} error(s)`}</div>
        <div
          data-testid="memory"
          title={`At least: activations ${formatBytes(t.activations)}, their gradients ${formatBytes(t.gradients)}, parameters ${formatBytes(t.params)} with gradients ${formatBytes(t.paramGradients)} and optimizer state ${formatBytes(t.optimizerState)}`}
        >
          ≥ <strong>{formatBytes(t.total)}</strong> to train at batch {formatCount(batch)}
        </div>
        <button
          className="copy-summary"
          title="The same table as `convstudio summary`, as text"
          onClick={() => {
            const text = formatSummary(useStore.getState().graphDoc(), analysis);
            navigator.clipboard?.writeText(text).then(
              () => useStore.getState().toast('info', 'Summary copied as text.'),
              () => useStore.getState().toast('error', 'The browser refused clipboard access.'),
            );
          }}
        >
          Copy as text
        </button>
      </div>
      {memoryProblems.length > 0 && (
        <ul className="diag-list memory-problems">
          {memoryProblems.map((d) => (
            <li key={d.code} className={`diag-item diag-${d.severity}`} data-testid={`memory-${d.severity}`}>
              {d.message}
            </li>
          ))}
        </ul>
      )}
      <table>
        <thead>
          <tr>
            <th>Layer</th>
            <th>Output shape</th>
            <th className="num">Params</th>
            <th className="num">MACs</th>
            <th>RF</th>
            <th className="num" title={`Activations kept for the backward pass and their gradient, at batch ${formatCount(batch)}`}>Act. mem</th>
            <th className="num" title="Parameters with their gradients and optimizer state">Param mem</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((id) => {
            const info = analysis.nodes[id];
            const type = typeOf.get(id) ?? '';
            return (
              <tr
                key={id}
                className={info?.diagnostics.some((d) => d.severity === 'error') ? 'row-error' : undefined}
                data-testid={`summary-row-${id}`}
                onClick={() => useStore.getState().selectOnly(id)}
              >
                <td title={id}>{nodeSpec(type)?.torch ?? type}</td>
                <td className="mono" data-testid={`summary-shape-${id}`}>
                  {formatTorchShape(info?.shape)}
                </td>
                <td className="num">{info?.params ? formatCount(info.params) : ''}</td>
                <td className="num">{info?.macs ? formatScaled(info.macs) : ''}</td>
                <td>{info?.rf ? `${info.rf.size[0]}×${info.rf.size[1]}` : ''}</td>
                <td className="num" data-testid={`summary-act-${id}`}>{nodeMemory.has(id) ? formatBytes(nodeMemory.get(id)!.forwardBytes + nodeMemory.get(id)!.backwardBytes) : ''}</td>
                <td className="num">{nodeMemory.get(id)?.paramBytes ? formatBytes(nodeMemory.get(id)!.paramBytes * slots) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
