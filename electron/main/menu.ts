// The native menu. File → Open CSV… and Export… press the page's own controls (the same buttons a
// user would), so the page runs its usual flow: Open CSV… shows the native open dialog of the page's
// file input, Export… the native save dialog of run:export.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openCsv(): void;
  exportRun(): void;
  openDataFolder(): void;
  about(): void;
}

export function menuTemplate(actions: MenuActions, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) template.push({ role: 'appMenu' });
  template.push(
    {
      label: '&File',
      submenu: [
        { label: 'Open CSV…', accelerator: 'CmdOrCtrl+O', click: () => actions.openCsv() },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => actions.exportRun() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [
        { label: 'Open the data folder', click: () => actions.openDataFolder() },
        { label: 'About Rowrunner', click: () => actions.about() },
      ],
    },
  );
  return template;
}

/** Page scripts for the menu's commands: each presses a control of the renderer, if it is on screen. */
export const PAGE_SCRIPTS = {
  openCsv: `(() => {
    const nav = document.querySelector('[data-testid="nav-import"]');
    if (nav instanceof HTMLElement) nav.click();
    const click = () => { const input = document.querySelector('[data-testid="file-input"]'); if (input instanceof HTMLElement) { input.click(); return true; } return false; };
    if (!click()) setTimeout(click, 100);
  })()`,
  exportRun: `(() => {
    const button = document.querySelector('[data-testid="export-xlsx"]');
    if (button instanceof HTMLElement) { button.click(); return true; }
    return false;
  })()`,
} as const;
