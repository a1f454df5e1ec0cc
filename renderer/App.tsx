/** The window: toolbar, palette, canvas, and the sidebar (inspector, summary, training). */

import { useCallback, useEffect } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import type { MenuCommand } from '../shared/api';
import { host } from './api/host';
import { BlockUi } from './blocks/BlockUi';
import { Canvas } from './canvas/Canvas';
import { ExportDialog } from './export/ExportDialog';
import { openExport } from './export/export-command';
import { SHORTCUTS, shortcutFor, type ShortcutAction } from './canvas/shortcuts';
import { guardUnsavedChanges, newGraph, openGraph, openHandedFile, saveGraph } from './files/graph-files';
import { restoreAutosave, startAutosave } from './files/autosave';
import { RestoredNote } from './files/RestoredNote';
import { InsightView } from './insight/InsightView';
import { LabView } from './lab/LabView';
import { Inspector } from './panels/Inspector';
import { Palette } from './panels/Palette';
import { SummaryPanel } from './panels/SummaryPanel';
import { TrainingPanel } from './panels/TrainingPanel';
import { useStore } from './store/index';
import { selectCanRedo, selectCanUndo, selectHelpOpen, selectOpenProblem, selectTab, selectTitle, selectToasts, selectView } from './store/selectors';
import type { SidebarTab, View } from './store/ui-slice';
import { clearRunsOnGraphSwitch, reattachToRuns, startTraining, stopTraining, subscribeTraining } from './training/controller';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** Commands that edit or move the canvas: in the Kernel lab they would change a graph nobody sees. */
const CANVAS_ONLY = new Set<ShortcutAction | MenuCommand['command']>(['undo', 'redo', 'copy', 'cut', 'paste', 'delete', 'selectAll', 'select-all', 'layout', 'fit', 'fit-view']);

/** Runs one user command; shortcuts, toolbar buttons and the desktop menu all land here. */
function useCommands() {
  // One function for the life of the canvas, so the listeners below are not re-added every render.
  return useCallback((action: ShortcutAction | MenuCommand['command']) => {
    const s = useStore.getState();
    if (s.view !== 'canvas' && CANVAS_ONLY.has(action)) return undefined;
    switch (action) {
      case 'undo': return s.undo();
      case 'redo': return s.redo();
      case 'copy': return void (s.copySelected() && s.toast('info', 'Copied.'));
      case 'cut': return void s.cutSelected();
      case 'paste': return void s.paste();
      case 'delete': return s.deleteSelected();
      case 'selectAll': case 'select-all': return s.selectAll();
      case 'layout':
        s.autoLayout();
        return s.requestFit();
      case 'fit': case 'fit-view': return s.requestFit();
      case 'save': return void saveGraph(false);
      case 'saveAs': case 'save-as': return void saveGraph(true);
      case 'open': return void openGraph();
      case 'export': return openExport();
      case 'new': return newGraph();
      case 'help': case 'shortcuts': return s.setHelpOpen(!s.helpOpen);
      case 'escape': return s.setHelpOpen(false);
      case 'summary': return s.setTab('summary');
      case 'train': return s.setTab('train');
      case 'inspect': return s.setTab('inspect');
      case 'train-start': return void startTraining();
      case 'train-stop': return void stopTraining();
      default: return undefined;
    }
  }, []);
}

const VIEWS: { id: View; label: string; about: string }[] = [
  { id: 'canvas', label: 'Network', about: 'Design and train a network on the canvas' },
  { id: 'lab', label: 'Kernel lab', about: 'd2l 7.2–7.5: cross-correlation, channels, pooling and learning a kernel, computed by the engine' },
  { id: 'insight', label: 'Insight', about: 'What a trained run learned: confusion matrix, mistakes, activations, Grad-CAM, filters' },
];

function ViewSwitch() {
  const view = useStore(selectView);
  return (
    <div className="view-switch" role="tablist" aria-label="View">
      {VIEWS.map((v) => (
        <button key={v.id} role="tab" aria-selected={view === v.id} className={view === v.id ? 'active' : ''} title={v.about} onClick={() => useStore.getState().setView(v.id)} data-testid={`view-${v.id}`}>
          {v.label}
        </button>
      ))}
    </div>
  );
}

function Toolbar({ run }: { run: ReturnType<typeof useCommands> }) {
  const title = useStore(useShallow(selectTitle));
  const canUndo = useStore(selectCanUndo);
  const canRedo = useStore(selectCanRedo);
  const onCanvas = useStore(selectView) === 'canvas';
  return (
    <header className="toolbar">
      <span className="brand">ConvStudio</span>
      <ViewSwitch />
      <span className="doc-title" data-testid="doc-title">
        {title.name}
        {title.dirty ? ' •' : ''}
      </span>
      <nav>
        <button onClick={() => run('new')} title="New graph (Alt+N)">New</button>
        <button onClick={() => run('open')} data-testid="open" title="Open (Ctrl+O)">Open…</button>
        <button onClick={() => run('save')} data-testid="save" title="Save (Ctrl+S)">Save</button>
        <button onClick={() => run('saveAs')} title="Save as (Ctrl+Shift+S)">Save As…</button>
        <button onClick={() => run('export')} data-testid="export" title="Export to PyTorch or ONNX">Export…</button>
        {onCanvas && (
          <>
            <span className="sep" />
            <button onClick={() => run('undo')} disabled={!canUndo} data-testid="undo" title="Undo (Ctrl+Z)">Undo</button>
            <button onClick={() => run('redo')} disabled={!canRedo} data-testid="redo" title="Redo (Ctrl+Shift+Z)">Redo</button>
            <span className="sep" />
            <button onClick={() => run('layout')} data-testid="layout" title="Auto-layout (L)">Auto-layout</button>
            <button onClick={() => run('fit')} title="Fit view (F)">Fit</button>
          </>
        )}
        <button onClick={() => run('help')} data-testid="help" title="Keyboard shortcuts (?)">?</button>
      </nav>
    </header>
  );
}

const TABS: { id: SidebarTab; label: string }[] = [
  { id: 'inspect', label: 'Inspector' },
  { id: 'summary', label: 'Summary' },
  { id: 'train', label: 'Training' },
];

function Sidebar() {
  const tab = useStore(selectTab);
  return (
    <aside className="sidebar">
      <div className="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} data-testid={`tab-${t.id}`} className={tab === t.id ? 'active' : ''} onClick={() => useStore.getState().setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div className="tab-body">
        {tab === 'inspect' && <Inspector />}
        {tab === 'summary' && <SummaryPanel />}
        {tab === 'train' && <TrainingPanel />}
      </div>
    </aside>
  );
}

function HelpOverlay() {
  const open = useStore(selectHelpOpen);
  if (!open) return null;
  return (
    <div className="overlay" data-testid="help-overlay" onClick={() => useStore.getState().setHelpOpen(false)}>
      <div className="dialog" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <td><kbd>{s.keys}</kbd></td>
                <td>{s.about}</td>
              </tr>
            ))}
            <tr><td><kbd>Shift+drag</kbd></td><td>Select several layers with a box</td></tr>
            <tr><td><kbd>Ctrl+click</kbd></td><td>Add a layer to the selection</td></tr>
            <tr><td><kbd>Drag on empty canvas</kbd></td><td>Pan; scroll to zoom</td></tr>
          </tbody>
        </table>
        <button onClick={() => useStore.getState().setHelpOpen(false)}>Close</button>
      </div>
    </div>
  );
}

function OpenProblem() {
  const problem = useStore(selectOpenProblem);
  if (!problem) return null;
  return (
    <div className="overlay" data-testid="open-problem">
      <div className="dialog">
        <h2>Cannot open {problem.name}</h2>
        <p>The file is not a graph ConvStudio can load. Your canvas is unchanged.</p>
        <ul className="diag-list">
          {problem.diagnostics.map((d, i) => (
            <li key={i} className={`diag-item diag-${d.severity}`}>
              <code>{d.code}</code> {d.message}
            </li>
          ))}
        </ul>
        <button onClick={() => useStore.getState().setOpenProblem(null)}>OK</button>
      </div>
    </div>
  );
}

function Toasts() {
  const toasts = useStore(selectToasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} data-testid="toast" onClick={() => useStore.getState().dismissToast(t.id)}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

function Shell() {
  const run = useCommands();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = shortcutFor(e);
      if (!action) return;
      // Keys typed into fields are text, except the file and undo commands users expect anywhere.
      if (isTyping(e.target) && !['save', 'saveAs', 'open', 'escape'].includes(action)) return;
      // The Kernel lab and Insight hide the canvas: its editing keys must not change a graph nobody sees.
      if (useStore.getState().view !== 'canvas' && !['save', 'saveAs', 'open', 'escape', 'help'].includes(action)) return;
      e.preventDefault();
      run(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run]);

  useEffect(() => {
    // The autosave comes back first, then a run still training is re-attached to: both survive a reload.
    const restored = restoreAutosave();
    const unsubs = [subscribeTraining(), guardUnsavedChanges(), startAutosave(restored), clearRunsOnGraphSwitch()];
    void restored.then(() => reattachToRuns());
    return () => unsubs.forEach((u) => u());
  }, []);

  useEffect(
    () =>
      host().onMenuCommand((c) => {
        if (c.command === 'open-file') openHandedFile(c.file);
        // A save asked for by the close prompt is an ordinary save: the shell closes once it has written.
        else if (c.command === 'save') void saveGraph(false);
        else run(c.command);
      }),
    [run],
  );

  const view = useStore(selectView);
  return (
    <div className="app">
      <Toolbar run={run} />
      <RestoredNote />
      {view === 'lab' ? (
        <LabView />
      ) : view === 'insight' ? (
        <InsightView />
      ) : (
        <main className="workspace">
          <Palette />
          <Canvas />
          <Sidebar />
        </main>
      )}
      <HelpOverlay />
      <OpenProblem />
      <BlockUi />
      <ExportDialog />
      <Toasts />
    </div>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Shell />
    </ReactFlowProvider>
  );
}
