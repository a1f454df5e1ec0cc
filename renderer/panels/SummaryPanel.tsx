/**
 * The d2l-style layer table (`layer_summary`: each layer's output shape, as torch.Size with
 * batch 1) with params, MACs and receptive field per layer, and the totals. A block has a line of
 * its own with its totals; its layers are listed under it when it is unfolded (▸). And the memory
 * training needs at the Training panel's batch size, per layer and in all, with the problems the
 * Start check would refuse (a tensor past tfjs's index range; past 4 GB on wasm), so they are
 * seen while designing — against this machine's memory once the host has said it. Per layer,
 * its activations (kept for the backward pass, with their gradient) and its parameters (with
 * gradients and optimizer state) have columns of their own.
 */

import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatSummary, summaryRows, type SummaryRow } from '../../shared/graph/summary';
import { formatBytes, formatCount, formatScaled, formatTorchShape } from '../../shared/format';
import { WASM_MEMORY_BYTES, estimateMemory, memoryDiagnostics } from '../../shared/shapes/memory';
import { useStartCheck } from '../estimate/use-start-check';
import { DEFAULT_TRAIN_CONFIG } from '../../shared/training/settings';
import { BLOCK_INPUT_TYPE, levelDoc } from '../blocks/view';
import { viewOf } from '../blocks/blocks-slice';
import { useStore, type Store } from '../store/index';

const selectSummary = (s: Store) => ({ analysis: s.analysis, nodes: s.nodes, batch: s.config.batchSize, backend: s.config.backend });

const WASM_LIMIT = { bytes: WASM_MEMORY_BYTES, what: "the wasm backend's memory (WebAssembly's limit)" };

/** The rows shown: a row's inner rows only while every block above it is unfolded. */
function visible(rows: readonly SummaryRow[], open: ReadonlySet<string>): SummaryRow[] {
  return rows.filter((r) => {
    for (let i = r.path.lastIndexOf('.'); i > 0; i = r.path.lastIndexOf('.', i - 1)) {
      const above = r.path.slice(0, i);
      if (rows.some((x) => x.path === above) && !open.has(above)) return false;
    }
    return true;
  });
}

export function SummaryPanel() {
  const { analysis, nodes, batch: configured, backend } = useStore(useShallow(selectSummary));
  // A half-typed field can leave any number here; the estimate is for a batch training accepts.
  const batch = Number.isInteger(configured) && configured >= 1 ? configured : DEFAULT_TRAIN_CONFIG.batchSize;
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const ids = new Set(nodes.map((n) => n.id));
  const all = summaryRows(levelDoc(viewOf(useStore.getState())), analysis, true).filter((r) => r.depth > 0 || ids.has(r.path));
  const rows = visible(all, open);
  const toggle = (path: string) => setOpen((o) => {
    const next = new Set(o);
    if (!next.delete(path)) next.add(path);
    return next;
  });
  const memory = useMemo(() => estimateMemory(analysis, { batch }), [analysis, batch]);
  // The machine's memory once the host has said it; until then wasm's limit, which is known here.
  const { limit: machineLimit } = useStartCheck();
  const limit = machineLimit ?? (backend === 'wasm' ? WASM_LIMIT : null);
  const memoryProblems = useMemo(() => memoryDiagnostics(memory, { limit }), [memory, limit]);
  const nodeMemory = new Map(memory.nodes.map((m) => [m.id, m]));
  // Parameters, their gradients and the optimizer's state, per parameter byte.
  const perParamByte = memory.fixedBytes / Math.max(memory.totals.params, 1);
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
            // Inside a block the table is the open level's, so the text is too.
            const text = formatSummary(levelDoc(viewOf(useStore.getState())), analysis);
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
          {rows.map((r) => {
            const info = r.depth === 0 ? analysis.nodes[r.path] : null;
            // A block's name, and the PyTorch class where it differs ("Residual", not a Sequential); the open block's input by its role.
            const torch = r.type === BLOCK_INPUT_TYPE ? 'block input'
              : info && info.torch && info.torch !== 'Sequential' && info.torch !== r.type.split(' ')[0] ? `${r.type} (${info.torch})` : r.type;
            return (
              <tr
                key={r.path}
                className={[r.severity === 'error' ? 'row-error' : '', r.depth ? 'row-inner' : ''].join(' ').trim() || undefined}
                data-testid={`summary-row-${r.path}`}
                onClick={() => r.depth === 0 && useStore.getState().selectOnly(r.path)}
              >
                <td title={r.path} style={r.depth ? { paddingLeft: `${4 + r.depth * 12}px` } : undefined}>
                  {r.composite && (
                    <button className="summary-toggle" data-testid={`summary-toggle-${r.path}`} title={open.has(r.path) ? 'Fold its layers' : 'List its layers'} onClick={(e) => { e.stopPropagation(); toggle(r.path); }}>
                      {open.has(r.path) ? '▾' : '▸'}
                    </button>
                  )}
                  <span className="muted">{r.path.slice(r.path.lastIndexOf('.') + 1)} </span>
                  {torch}
                </td>
                <td className="mono" data-testid={`summary-shape-${r.path}`}>
                  {formatTorchShape(r.shape)}
                </td>
                <td className="num">{r.params ? formatCount(r.params) : ''}</td>
                <td className="num">{r.macs ? formatScaled(r.macs) : ''}</td>
                <td>{r.rf ? `${r.rf.size[0]}×${r.rf.size[1]}` : ''}</td>
                {/* A block's row counts its inside. */}
                <td className="num" data-testid={`summary-act-${r.path}`}>{r.depth === 0 && nodeMemory.has(r.path) ? formatBytes(nodeMemory.get(r.path)!.forwardBytes + nodeMemory.get(r.path)!.backwardBytes) : ''}</td>
                <td className="num">{r.depth === 0 && nodeMemory.get(r.path)?.paramBytes ? formatBytes(nodeMemory.get(r.path)!.paramBytes * perParamByte) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
