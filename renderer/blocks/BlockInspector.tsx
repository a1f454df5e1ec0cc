/**
 * The inspector's block parts: for a selected node, repeat ×N and (for a block) open / expand;
 * for several selected, "Group into a block"; inside an open block with nothing selected, the
 * block itself — its params, which its layers use as "$name" — and its problems.
 */

import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { MAX_REPEAT, MIN_REPEAT } from '../../shared/graph/blocks';
import { expressionProblem } from '../../shared/graph/expr';
import type { ParamSpec } from '../../shared/graph/catalogue';
import type { BlockParam, ParamValue } from '../../shared/graph/types';
import { paramText, parseParamText, type ParsedParam } from '../model/format';
import { useStore, type Store } from '../store/index';
import { isReadOnlyView } from './blocks-slice';
import { specFor } from './view';

const selectNodeBlock = (id: string) => (s: Store) => {
  const n = s.nodes.find((x) => x.id === id);
  return { type: n?.data.type, repeat: n?.data.repeat, expanded: n?.data.expanded, composite: !!s.analysis.nodes[id]?.inside, blocks: s.blocks, readOnly: isReadOnlyView(s) };
};

/** Repeat ×N for any one-input node, and open / expand for a block. */
export function BlockNodeControls({ id }: { id: string }) {
  const { type, repeat, expanded, composite, blocks, readOnly } = useStore(useShallow(selectNodeBlock(id)));
  const [text, setText] = useState(repeat === undefined ? '' : String(repeat));
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(repeat);
  if (repeat !== shown) {
    setShown(repeat);
    setText(repeat === undefined ? '' : String(repeat));
    setError(null);
  }
  if (!type) return null;
  const spec = specFor(type, blocks);
  const s = useStore.getState();
  return (
    <div className="block-controls" data-testid="block-controls">
      {spec?.inputs === 1 && (
        <div className="field" title="Apply this node several times in series, each copy with its own weights (an nn.Sequential of copies)">
          <label htmlFor={`repeat-${id}`}>repeat ×</label>
          <input
            id={`repeat-${id}`} data-testid="param-repeat" value={text} placeholder="once" disabled={readOnly} className={error ? 'invalid' : undefined} spellCheck={false}
            onChange={(e) => {
              const t = e.target.value.trim();
              setText(e.target.value);
              if (t === '') { setError(null); s.setRepeat(id, null); return; }
              // Inside a block the count may be an expression of the block's params.
              if (t.includes('$') && s.frames.length) {
                const why = expressionProblem(t);
                setError(why);
                if (!why) s.commitView(s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, repeat: t } } : n)), s.edges);
                return;
              }
              const n = /^\d+$/.test(t) ? Number(t) : NaN;
              if (!(n >= MIN_REPEAT && n <= MAX_REPEAT)) { setError(`repeat is a whole number from ${MIN_REPEAT} to ${MAX_REPEAT}`); return; }
              setError(null);
              s.setRepeat(id, n);
            }}
          />
          <div className="field-help">{error ? <span className="field-error">{error}</span> : 'Copies in series, each with its own weights; empty for once.'}</div>
        </div>
      )}
      {composite && (
        <div className="block-buttons">
          <button data-testid="inspector-open-block" onClick={() => s.openBlock(id)}>Open block</button>
          <button data-testid="inspector-expand" disabled={readOnly} onClick={() => s.setExpanded(id, !expanded)}>{expanded ? 'Collapse' : 'Expand in place'}</button>
        </div>
      )}
    </div>
  );
}

/** For a multi-selection: make it one block. */
export function GroupButton() {
  return (
    <button data-testid="group-selected" title="Make the selected layers one block (Ctrl+G)" onClick={() => useStore.getState().askGroup()}>
      Group into a block…
    </button>
  );
}

/**
 * Reads an inner layer's param as typed: inside a block, text with "$" is an expression of the
 * block's params ("$out_channels", "$n - 1"); everything else as the inspector always reads it.
 */
export function parseParamInView(spec: ParamSpec, text: string): ParsedParam {
  const s = useStore.getState();
  if (text.includes('$') && s.frames.length && !isReadOnlyView(s)) {
    const why = expressionProblem(text.trim());
    return why ? { error: `${spec.name}: ${why}` } : { value: text.trim() };
  }
  return parseParamText(spec, text);
}

const TYPES: BlockParam['type'][] = ['int', 'float', 'bool', 'intPair', 'padding'];

function ParamRow({ p, onChange, onRemove }: { p: BlockParam; onChange: (p: BlockParam) => void; onRemove: () => void }) {
  const [name, setName] = useState(p.name);
  const [def, setDef] = useState(p.default === undefined ? '' : paramText(p.default));
  const [error, setError] = useState<string | null>(null);
  const applyDefault = (text: string) => {
    if (text.trim() === '') return onChange({ ...p, default: undefined });
    const parsed = parseParamText({ name: p.name, type: p.type, doc: '', ...(p.min !== undefined ? { min: p.min } : {}) }, text);
    if ('error' in parsed) return setError(parsed.error);
    setError(null);
    onChange({ ...p, default: parsed.value as ParamValue });
  };
  return (
    <tr data-testid={`block-param-${p.name}`}>
      <td><input aria-label="param name" value={name} spellCheck={false} onChange={(e) => setName(e.target.value)} onBlur={() => name !== p.name && onChange({ ...p, name: name.trim() })} /></td>
      <td>
        <select aria-label="param type" value={p.type} onChange={(e) => onChange({ ...p, type: e.target.value as BlockParam['type'], default: undefined })}>
          {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </td>
      <td><input aria-label="default" value={def} placeholder="required" className={error ? 'invalid' : undefined} onChange={(e) => setDef(e.target.value)} onBlur={() => applyDefault(def)} title={error ?? 'Default value; empty: every node must set it'} /></td>
      <td><button className="link" title={`Remove ${p.name}`} onClick={onRemove}>✕</button></td>
    </tr>
  );
}

const selectLevel = (s: Store) => ({ frames: s.frames, blocks: s.blocks, diagnostics: s.analysis.diagnostics, totals: s.analysis.totals });

/** Inside an open block, with nothing selected: the block itself. */
export function BlockLevelInspector() {
  const { frames, blocks, diagnostics, totals } = useStore(useShallow(selectLevel));
  const top = frames[frames.length - 1];
  const def = top.block !== null ? blocks[top.block] : null;
  const s = useStore.getState();
  const params = def?.params ?? [];
  const update = (next: BlockParam[]) => s.setBlockParams(next);
  return (
    <div className="inspector" data-testid="inspector">
      <h2>
        {top.block ?? 'Built-in block'} <span className="muted">opened from {top.nodeId}</span>
      </h2>
      <p className="muted">{totals.params.toLocaleString('en')} params · its layers as {top.nodeId} computes them.</p>
      {def && (
        <>
          <h3>Params</h3>
          <p className="hint">Layers inside use them as <code>$name</code> (or <code>$name - 1</code>, <code>$pair[0]</code>) in any field, and in repeat.</p>
          <table className="block-params">
            <thead><tr><th>name</th><th>type</th><th>default</th><th /></tr></thead>
            <tbody>
              {params.map((p, i) => (
                <ParamRow key={`${i}.${p.name}`} p={p} onChange={(q) => update(params.map((x, j) => (j === i ? q : x)))} onRemove={() => update(params.filter((_, j) => j !== i))} />
              ))}
            </tbody>
          </table>
          <button data-testid="add-block-param" onClick={() => {
            let k = params.length + 1;
            while (params.some((p) => p.name === `param${k}`)) k++;
            update([...params, { name: `param${k}`, type: 'int', min: 1, default: 1 }]);
          }}>Add a param</button>
        </>
      )}
      <h3>Problems</h3>
      {diagnostics.length === 0 ? <p className="ok-text">No problems inside.</p> : (
        <ul className="diag-list" data-testid="problems">
          {diagnostics.map((d, i) => (
            <li key={i} className={`diag-item diag-${d.severity}`}>
              {d.nodeId && <button className="link" onClick={() => s.selectOnly(d.nodeId!)}>{d.nodeId}</button>} {d.message}
            </li>
          ))}
        </ul>
      )}
      <p className="hint">Double-click a block to open it; the breadcrumb above the canvas goes back up.</p>
    </div>
  );
}
