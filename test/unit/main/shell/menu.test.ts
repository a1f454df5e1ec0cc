// The native menu template: its File, Edit, View, Train and Help items, their shortcuts, and
// that clicking them reaches the page as MenuCommands.
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { MenuCommand } from '../../../../shared/api';
import { buildMenuTemplate, type MenuActions } from '../../../../main/shell/menu';

function record() {
  const calls: unknown[] = [];
  const actions: MenuActions = {
    command: (c: MenuCommand) => calls.push(c),
    openRecent: (f) => calls.push({ recent: f }),
    clearRecent: () => calls.push('clear'),
    openRunsFolder: () => calls.push('runs'),
    about: () => calls.push('about'),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

const strip = (label?: string) => (label ?? '').replace(/&/g, '').replace(/…$/, '');
const sub = (item: MenuItemConstructorOptions) => (item.submenu ?? []) as MenuItemConstructorOptions[];
const find = (items: MenuItemConstructorOptions[], label: string) => {
  const hit = items.find((i) => strip(i.label) === label);
  if (!hit) throw new Error(`no menu item "${label}" among ${items.map((i) => strip(i.label) || i.role || i.type).join(', ')}`);
  return hit;
};
const click = (item: MenuItemConstructorOptions) => (item.click as unknown as () => void)();

describe('buildMenuTemplate', () => {
  const ctx = { platform: 'linux' as const, appName: 'ConvStudio', recent: ['/home/u/a.convstudio.json', '/home/u/nets/b.convstudio.json'], dev: false };

  it('has File, Edit, View, Train and Help with their items', () => {
    const { actions } = record();
    const menu = buildMenuTemplate(ctx, actions);
    expect(menu.map((m) => strip(m.label))).toEqual(['File', 'Edit', 'View', 'Train', 'Help']);
    const file = sub(find(menu, 'File')).map((i) => strip(i.label)).filter(Boolean);
    expect(file).toEqual(expect.arrayContaining(['New', 'Open', 'Open Recent', 'Save', 'Save As', 'Export']));
    const edit = sub(find(menu, 'Edit'));
    expect(edit.map((i) => strip(i.label)).filter(Boolean)).toEqual(['Undo', 'Redo', 'Cut', 'Copy', 'Paste', 'Delete', 'Select All']);
    expect(sub(find(menu, 'Train')).map((i) => strip(i.label))).toEqual(['Start Training', 'Stop Training']);
  });

  it('sends document and canvas commands to the page', () => {
    const { calls, actions } = record();
    const menu = buildMenuTemplate(ctx, actions);
    const file = sub(find(menu, 'File'));
    for (const label of ['New', 'Open', 'Save', 'Save As', 'Export']) click(find(file, label));
    const edit = sub(find(menu, 'Edit'));
    for (const label of ['Undo', 'Redo', 'Delete', 'Select All']) click(find(edit, label));
    for (const item of sub(find(menu, 'Train'))) click(item);
    expect(calls).toEqual(
      ['new', 'open', 'save', 'save-as', 'export', 'undo', 'redo', 'delete', 'select-all', 'train-start', 'train-stop'].map((command) => ({ command })),
    );
  });

  it('leaves clipboard items to Electron roles and keeps text-field keys working', () => {
    const { actions } = record();
    const edit = sub(find(buildMenuTemplate(ctx, actions), 'Edit'));
    expect(['Cut', 'Copy', 'Paste'].map((l) => find(edit, l).role)).toEqual(['cut', 'copy', 'paste']);
    // Shown, not registered: the page's own key handling (and text fields) receive these keys.
    for (const label of ['Undo', 'Redo', 'Delete', 'Select All']) expect(find(edit, label).registerAccelerator).toBe(false);
    const file = sub(find(buildMenuTemplate(ctx, actions), 'File'));
    expect(find(file, 'Save').accelerator).toBe('CmdOrCtrl+S');
    expect(find(file, 'Save As').accelerator).toBe('CmdOrCtrl+Shift+S');
  });

  it('lists recent files and clears them', () => {
    const { calls, actions } = record();
    const recent = sub(find(sub(find(buildMenuTemplate(ctx, actions), 'File')), 'Open Recent'));
    click(recent[1]);
    click(find(recent, 'Clear Recently Opened'));
    expect(recent[0].label).toContain('a.convstudio.json');
    expect(calls).toEqual([{ recent: '/home/u/nets/b.convstudio.json' }, 'clear']);
    const empty = sub(find(sub(find(buildMenuTemplate({ ...ctx, recent: [] }, actions), 'File')), 'Open Recent'));
    expect(empty).toEqual([{ label: 'No Recent Files', enabled: false }]);
  });

  it('adds developer items only when unpackaged, and the app menu on macOS', () => {
    const { actions } = record();
    const roles = (m: MenuItemConstructorOptions[]) => sub(find(m, 'View')).map((i) => i.role).filter(Boolean);
    expect(roles(buildMenuTemplate(ctx, actions))).not.toContain('toggleDevTools');
    expect(roles(buildMenuTemplate({ ...ctx, dev: true }, actions))).toContain('toggleDevTools');
    const mac = buildMenuTemplate({ ...ctx, platform: 'darwin' }, actions);
    expect(mac[0].role).toBe('appMenu');
    expect(mac.some((m) => m.role === 'windowMenu')).toBe(true);
  });
});
