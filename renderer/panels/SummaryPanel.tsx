/**
 * The d2l-style layer table (`layer_summary`: each layer's output shape, as torch.Size with
 * batch 1) with params, MACs and receptive field per layer, and the totals.
 */

import { useShallow } from 'zustand/react/shallow';
import { nodeSpec } from '../../shared/graph/catalogue';
import { formatSummary } from '../../shared/graph/summary';
import { formatCount, formatScaled, formatTorchShape } from '../../shared/format';
import { useStore, type Store } from '../store/index';

const selectSummary = (s: Store) => ({ analysis: s.analysis, nodes: s.nodes });

export function SummaryPanel() {
  const { analysis, nodes } = useStore(useShallow(selectSummary));
  const typeOf = new Map(nodes.map((n) => [n.id, n.data.type]));
  const rows = analysis.order.filter((id) => typeOf.has(id));
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
      <table>
        <thead>
          <tr>
            <th>Layer</th>
            <th>Output shape</th>
            <th className="num">Params</th>
            <th className="num">MACs</th>
            <th>RF</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((id) => {
            const info = analysis.nodes[id];
            const type = typeOf.get(id) ?? '';
            return (
              <tr key={id} className={info?.diagnostics.some((d) => d.severity === 'error') ? 'row-error' : undefined} onClick={() => useStore.getState().selectOnly(id)}>
                <td title={id}>{nodeSpec(type)?.torch ?? type}</td>
                <td className="mono" data-testid={`summary-shape-${id}`}>
                  {formatTorchShape(info?.shape)}
                </td>
                <td className="num">{info?.params ? formatCount(info.params) : ''}</td>
                <td className="num">{info?.macs ? formatScaled(info.macs) : ''}</td>
                <td>{info?.rf ? `${info.rf.size[0]}×${info.rf.size[1]}` : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
