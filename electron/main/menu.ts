// The native menu. File → Open CSV… shows the native open dialog and Export… tells the page, both
// through the contract's 'app:menu' event, so the page runs its usual import and export flows.
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
