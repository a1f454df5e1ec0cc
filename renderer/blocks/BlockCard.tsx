/**
 * What a block (or a repeated layer) adds to its card on the canvas: the ×N badge, the buttons to
 * open it or show its inside in place, and — expanded — that inside, layer by layer with the
 * shapes this very node computes (every copy of a repeat), as the Summary lists it.
 */

import { insideRows } from '../../shared/graph/summary';
import { formatShape } from '../../shared/format';
import type { LayerData } from '../model/graph-model';
import { useStore, type Store } from '../store/index';

/** The most inner rows a card lists; the rest are counted, and the block can be opened. */
const MAX_ROWS = 40;

const selectInside = (id: string) => (s: Store) => s.analysis.nodes[id]?.inside;

export function RepeatBadge({ data }: { data: LayerData }) {
  if (data.repeat === undefined) return null;
  return <span className="repeat-badge" title={`applied ${data.repeat} times in series, each copy with its own weights`} data-testid="repeat-badge">×{data.repeat}</span>;
}

export function BlockFooter({ id, data }: { id: string; data: LayerData }) {
  const inside = useStore(selectInside(id));
  if (!inside) return null;
  const rows = data.expanded ? insideRows(inside, id, 0, true) : [];
  const { openBlock, setExpanded } = useStore.getState();
  return (
    <>
      <div className="block-actions">
        <button className="nodrag" data-testid={`expand-${id}`} title={data.expanded ? 'Show this block as one node' : 'Show its layers here'} onClick={(e) => { e.stopPropagation(); setExpanded(id, !data.expanded); }}>
          {data.expanded ? '▾ Collapse' : '▸ Expand'}
        </button>
        <button className="nodrag" data-testid={`open-${id}`} title="Open it to see and edit its inside (or double-click the block)" onClick={(e) => { e.stopPropagation(); openBlock(id); }}>
          Open
        </button>
      </div>
      {data.expanded && (
        <ol className="block-inside" data-testid={`inside-${id}`}>
          {rows.slice(0, MAX_ROWS).map((r) => (
            <li key={r.path} className={r.severity ? `inside-${r.severity}` : undefined} style={{ paddingLeft: `${r.depth * 10}px` }} title={r.path}>
              <span className="inside-name">{r.path.slice(id.length + 1)}</span>
              <span className="inside-type">{r.type}</span>
              <span className="inside-shape">{formatShape(r.shape)}</span>
            </li>
          ))}
          {rows.length > MAX_ROWS && <li className="muted">… {rows.length - MAX_ROWS} more: open the block to see them</li>}
        </ol>
      )}
    </>
  );
}
