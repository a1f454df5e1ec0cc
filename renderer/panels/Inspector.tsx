/**
 * Edits the selected layer's name and params (ints, [h, w] pairs, "same"/"valid") and shows
 * everything the shape engine knows about it, its arithmetic included. A selected edge shows the
 * tensor it carries and where from and to. With nothing selected it lists the graph's problems.
 */

import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ParamSpec } from '../../shared/graph/catalogue';
import { nameRefusal } from '../../shared/graph/ids';
import { BlockLevelInspector, BlockNodeControls, GroupButton, parseParamInView } from '../blocks/BlockInspector';
import { isReadOnlyView } from '../blocks/blocks-slice';
import { specFor } from '../blocks/view';
import type { Diagnostic, Fix, ParamValue } from '../../shared/graph/types';
import { formatCount, formatScaled, formatTorchShape } from '../../shared/format';
import { nodeArithmetic } from '../model/arithmetic';
import { paramText } from '../model/format';
import { slotIndex } from '../model/inputs';
import { useStore, type Store } from '../store/index';
import { selectSelectedCount, selectSelectedId } from '../store/selectors';
import { useStartCheck } from '../estimate/use-start-check';

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

function FixButton({ fix, testId }: { fix: Fix; testId?: string }) {
  return (
    <button className="fix-button" data-testid={testId} onClick={() => useStore.getState().applyFix(fix)}>
      {fix.label}
    </button>
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
      {(d.fix || d.alternatives) && (
        <div className="fix-list" data-testid="fixes">
          {d.fix && <FixButton fix={d.fix} />}
          {d.alternatives?.map((f, i) => <FixButton key={i} fix={f} />)}
        </div>
      )}
    </li>
  );
}

const selectReadOnly = (s: Store) => isReadOnlyView(s);

/** The layer's name (its id, a PyTorch module name): checked as typed, applied on Enter or leaving the field. */
function NameField({ id }: { id: string }) {
  const [text, setText] = useState(id);
  const taken = useStore(useShallow((s: Store) => s.nodes.map((n) => n.id)));
  // A file may hold any text id (parse.ts); it stays as it is until the user types a new one.
  const unchanged = text.trim() === id;
  const error = useMemo(() => (unchanged ? null : nameRefusal(text.trim(), id, new Set(taken))), [unchanged, text, id, taken]);
  const fromFile = unchanged && nameRefusal(id, id, new Set()) !== null;
  const apply = () => {
    if (error) return;
    const reason = useStore.getState().renameNode(id, text.trim());
    if (reason) useStore.getState().toast('error', reason);
  };
  return (
    <div className="field" title="The layer's name: how summaries, exports and messages call it.">
      <label htmlFor="layer-name">name</label>
      <input
        id="layer-name"
        data-testid="layer-name"
        className={error ? 'invalid' : undefined}
        value={text}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
          if (e.key === 'Escape') setText(id);
        }}
      />
      <div className="field-help">{error ? <span className="field-error">{error}</span> : fromFile ? 'As the file names it; a new name takes letters, digits and _ (Enter renames).' : 'Letters, digits and _; Enter renames.'}</div>
    </div>
  );
}

const selectInputShapes = (id: string) => (s: Store) => (s.analysis.inputsOf[id] ?? []).map((src) => s.analysis.nodes[src]?.shape ?? null);

/** How each output dimension (and the parameter count) follows from the input, with the numbers. */
function Arithmetic({ id, type, params }: { id: string; type: string; params: Record<string, ParamValue> }) {
  const inputs = useStore(useShallow(selectInputShapes(id)));
  const lines = useMemo(() => nodeArithmetic({ id, type, params }, inputs), [id, type, params, inputs]);
  if (!lines.length) return null;
  return (
    <>
      <h3>Arithmetic</h3>
      <dl className="stats arithmetic" data-testid="inspector-arithmetic">
        {lines.map((l) => (
          <div key={l.what} className="arith-line" data-testid={`arith-${l.what}`}>
            <dt>{l.what}</dt>
            <dd>{l.text}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

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
      <NameField key={id} id={id} />
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
      <Arithmetic id={id} type={data.type} params={data.params} />
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
  const { name, diagnostics: shapeProblems, totals, count } = useStore(useShallow(selectGraphOverview));
  // What training needs (10 classes, 1 channel, memory) is a problem before Start, not a toast after it.
  const { trainingProblems } = useStartCheck();
  const diagnostics = trainingProblems.length ? [...shapeProblems, ...trainingProblems] : shapeProblems;
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

/** The one selected edge's id, when no layer is selected. */
const selectSelectedEdgeId = (s: Store) => {
  let found: string | null = null;
  for (const e of s.edges) {
    if (!e.selected) continue;
    if (found) return null;
    found = e.id;
  }
  return found;
};

const selectEdgeInfo = (id: string) => (s: Store) => {
  const e = s.edges.find((x) => x.id === id);
  return { edge: e, view: s.edgeViews[id], shape: e ? s.analysis.nodes[e.source]?.shape ?? null : null, targetType: e ? s.nodes.find((n) => n.id === e.target)?.data.type : undefined, diagnostics: s.analysis.diagnostics };
};

function EdgeInspector({ id }: { id: string }) {
  const { edge, shape, targetType, diagnostics } = useStore(useShallow(selectEdgeInfo(id)));
  if (!edge) return null;
  const slot = slotIndex(edge.targetHandle);
  const own = diagnostics.filter((d) => d.edge && d.edge.source === edge.source && d.edge.target === edge.target);
  const go = (nodeId: string) => useStore.getState().selectOnly(nodeId);
  return (
    <div className="inspector" data-testid="edge-inspector">
      <h2>
        Edge <span className="muted">{edge.source} → {edge.target}</span>
      </h2>
      <p className="doc">The tensor {edge.source} passes to {edge.target}.</p>
      <dl className="stats">
        <dt>Shape</dt>
        <dd data-testid="edge-shape">{formatTorchShape(shape)}</dd>
        <dt>From</dt>
        <dd><button className="link" onClick={() => go(edge.source)}>{edge.source}</button></dd>
        <dt>To</dt>
        <dd>
          <button className="link" onClick={() => go(edge.target)}>{edge.target}</button>
          {slot >= 0 && <span className="muted">, input {slot + 1} of {targetType}</span>}
        </dd>
      </dl>
      {own.length > 0 && (
        <ul className="diag-list">
          {own.map((d, i) => <DiagnosticItem key={i} d={d} showNode />)}
        </ul>
      )}
      <button data-testid="delete-edge" onClick={() => useStore.getState().deleteSelected()}>Delete edge</button>
      <p className="hint">Delete or Backspace removes it too.</p>
    </div>
  );
}

export function Inspector() {
  const id = useStore(selectSelectedId);
  const count = useStore(selectSelectedCount);
  const inside = useStore(selectInsideBlock);
  const edgeId = useStore(selectSelectedEdgeId);
  if (id) return <NodeInspector id={id} />;
  if (count > 1)
    return (
      <div className="inspector">
        <p>{count} layers selected.</p>
        <button onClick={() => useStore.getState().deleteSelected()}>Delete them</button> <GroupButton />
      </div>
    );
  if (edgeId) return <EdgeInspector id={edgeId} />;
  return inside ? <BlockLevelInspector /> : <GraphInspector />;
}
