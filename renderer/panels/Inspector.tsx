/**
 * Edits the selected layer's params (ints, h×w pairs, "same"/"valid") and shows everything the
 * shape engine knows about it. With nothing selected it lists the graph's problems.
 */

import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ParamSpec } from '../../shared/graph/catalogue';
import { BlockLevelInspector, BlockNodeControls, GroupButton, parseParamInView } from '../blocks/BlockInspector';
import { isReadOnlyView } from '../blocks/blocks-slice';
import { specFor } from '../blocks/view';
import type { Diagnostic, ParamValue } from '../../shared/graph/types';
import { formatCount, formatScaled } from '../../shared/format';
import { paramText } from '../model/format';
import { useStore, type Store } from '../store/index';
import { selectSelectedCount, selectSelectedId } from '../store/selectors';

function ParamField({ nodeId, spec, value }: { nodeId: string; spec: ParamSpec; value: ParamValue | undefined }) {
  const [text, setText] = useState(paramText(value));
  const [error, setError] = useState<string | null>(null);
  // Follow outside changes (undo, a fix button) without fighting the user's typing: when the
  // value changed and the text does not already say it, show the new value. Adjusted during
  // render (React's pattern for state that follows a prop), so no frame shows the stale text.
  const valueKey = JSON.stringify(value);
  const [shownKey, setShownKey] = useState(valueKey);
  if (valueKey !== shownKey) {
    setShownKey(valueKey);
    const parsed = parseParamInView(spec, text);
    if (!('value' in parsed) || JSON.stringify(parsed.value) !== valueKey) {
      setText(paramText(value));
      setError(null);
    }
  }

  const id = `param-${nodeId}-${spec.name}`;
  const readOnly = useStore(selectReadOnly);
  const fallback = spec.default === undefined ? 'required' : spec.default === 'kernel_size' ? 'kernel_size' : paramText(spec.default as ParamValue);

  if (spec.type === 'bool') {
    const checked = typeof value === 'boolean' ? value : spec.default === true;
    return (
      <label className="field field-bool" title={spec.doc}>
        <input type="checkbox" data-testid={`param-${spec.name}`} checked={checked} disabled={readOnly} onChange={(e) => useStore.getState().setParam(nodeId, spec.name, e.target.checked)} />
        <span>{spec.name}</span>
      </label>
    );
  }
  return (
    <div className="field" title={spec.doc}>
      <label htmlFor={id}>{spec.name}</label>
      <input
        id={id}
        data-testid={`param-${spec.name}`}
        className={error ? 'invalid' : undefined}
        disabled={readOnly}
        value={text}
        placeholder={fallback}
        list={spec.type === 'padding' ? 'padding-choices' : undefined}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '' && spec.default !== undefined) {
            setError(null);
            useStore.getState().resetParam(nodeId, spec.name);
            return;
          }
          const parsed = parseParamInView(spec, e.target.value);
          if ('error' in parsed) setError(parsed.error);
          else {
            setError(null);
            useStore.getState().setParam(nodeId, spec.name, parsed.value);
          }
        }}
      />
      <div className="field-help">{error ? <span className="field-error">{error}</span> : spec.doc}</div>
    </div>
  );
}

export function DiagnosticItem({ d, showNode }: { d: Diagnostic; showNode?: boolean }) {
  return (
    <li className={`diag-item diag-${d.severity}`}>
      <div>
        {showNode && d.nodeId && (
          <button className="link" onClick={() => useStore.getState().selectOnly(d.nodeId!)}>
            {d.nodeId}
          </button>
        )}{' '}
        {d.message}
      </div>
      {d.fix && (
        <button className="fix-button" onClick={() => useStore.getState().applyFix(d.fix!)}>
          {d.fix.label}
        </button>
      )}
    </li>
  );
}

const selectReadOnly = (s: Store) => isReadOnlyView(s);

const selectNodeInfo = (id: string) => (s: Store) => {
  const n = s.nodes.find((x) => x.id === id);
  return { data: n?.data, view: s.nodeViews[id], info: s.analysis.nodes[id], blocks: s.blocks };
};

function NodeInspector({ id }: { id: string }) {
  const { data, view, info, blocks } = useStore(useShallow(selectNodeInfo(id)));
  if (!data) return null;
  const spec = specFor(data.type, blocks);
  return (
    <div className="inspector" data-testid="inspector">
      <h2>
        {spec?.label ?? data.type} <span className="muted">{id}</span>
      </h2>
      <p className="doc">{spec?.doc ?? `Unknown layer type "${data.type}".`}</p>
      <datalist id="padding-choices">
        <option value="same" />
        <option value="valid" />
      </datalist>
      {spec?.params.map((p) => <ParamField key={`${id}.${p.name}`} nodeId={id} spec={p} value={data.params[p.name]} />)}
      <BlockNodeControls id={id} />
      <dl className="stats">
        <dt>Output</dt>
        <dd data-testid="inspector-shape">{view?.fullShape}</dd>
        <dt>Params</dt>
        <dd>{formatCount(info?.params ?? 0)}</dd>
        <dt>MACs</dt>
        <dd>{formatScaled(info?.macs ?? 0)}</dd>
        <dt>Receptive field</dt>
        <dd>{info?.rf ? `${info.rf.size[0]}×${info.rf.size[1]} px, jump ${info.rf.jump[0]}×${info.rf.jump[1]}` : '—'}</dd>
      </dl>
      {view && view.diagnostics.length > 0 && (
        <ul className="diag-list">
          {view.diagnostics.map((d, i) => (
            <DiagnosticItem key={i} d={d} />
          ))}
        </ul>
      )}
    </div>
  );
}

const selectGraphOverview = (s: Store) => ({ name: s.name, diagnostics: s.analysis.diagnostics, totals: s.analysis.totals, count: s.nodes.length });

function GraphInspector() {
  const { name, diagnostics, totals, count } = useStore(useShallow(selectGraphOverview));
  return (
    <div className="inspector" data-testid="inspector">
      <div className="field">
        <label htmlFor="graph-name">Graph name</label>
        <input id="graph-name" value={name} onChange={(e) => useStore.getState().renameGraph(e.target.value)} />
      </div>
      <p className="muted">
        {count} layers · {formatCount(totals.params)} params · {formatScaled(totals.macs)} MACs
      </p>
      <h3>Problems</h3>
      {diagnostics.length === 0 ? (
        <p className="ok-text">No problems: every shape checks out.</p>
      ) : (
        <ul className="diag-list" data-testid="problems">
          {diagnostics.map((d, i) => (
            <DiagnosticItem key={i} d={d} showNode />
          ))}
        </ul>
      )}
      <p className="hint">Select a layer to edit it. Drag layers or templates in from the left; press ? for shortcuts.</p>
    </div>
  );
}

const selectInsideBlock = (s: Store) => s.frames.length > 0;

export function Inspector() {
  const id = useStore(selectSelectedId);
  const count = useStore(selectSelectedCount);
  const inside = useStore(selectInsideBlock);
  if (id) return <NodeInspector id={id} />;
  if (count > 1)
    return (
      <div className="inspector">
        <p>{count} layers selected.</p>
        <button onClick={() => useStore.getState().deleteSelected()}>Delete them</button> <GroupButton />
      </div>
    );
  return inside ? <BlockLevelInspector /> : <GraphInspector />;
}
