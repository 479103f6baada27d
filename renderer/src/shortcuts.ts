// Keyboard shortcuts for the main actions. Space (pause/resume) belongs to the progress panel itself.
import { useEffect, type RefObject } from 'react';
import { api } from './api.ts';
import { SCREENS, useApp } from './store/app.ts';
import { useDataset } from './store/dataset.ts';
import { useResults } from './store/results.ts';
import { requestStart } from './features/run/StartGuard.tsx';

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
}

/** Exports the run in view to xlsx (the save dialog asks where). */
function exportInView(): void {
  if (!useResults.getState().runId) return;
  useApp.getState().go('results');
  void useResults.getState().exportAs('xlsx');
}

export function useShortcuts(fileInput: RefObject<HTMLInputElement | null>): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const app = useApp.getState();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && !e.altKey && key === 'o') {
        e.preventDefault();
        fileInput.current?.click();
      } else if (mod && !e.altKey && e.key === 'Enter') {
        e.preventDefault();
        app.go('run');
        requestStart();
      } else if (mod && !e.altKey && key === 'e') {
        e.preventDefault();
        exportInView();
      } else if (e.altKey && !mod && /^Digit[1-5]$/.test(e.code)) {
        e.preventDefault();
        app.go(SCREENS[Number(e.code.slice(5)) - 1]);
      } else if (e.key === 'Escape') {
        if (app.helpOpen) app.setHelp(false);
        else if (useResults.getState().detailIndex !== null) void useResults.getState().openItem(null);
      } else if (!mod && !e.altKey && e.key === '?' && !typing(e.target)) {
        e.preventDefault();
        app.setHelp(!app.helpOpen);
      } else if (!mod && !e.altKey && e.key === '/' && !typing(e.target) && app.screen === 'results') {
        e.preventDefault();
        document.querySelector<HTMLInputElement>('[data-testid="search-input"]')?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    // The native menu's commands (Electron): a CSV chosen in its open dialog, or export as Ctrl/Cmd+E does.
    const offMenu = api.on('app:menu', (m) => {
      if (m.command === 'export') return exportInView();
      useApp.getState().go('import');
      void useDataset.getState().importPath(m.path, m.name);
    });
    return () => {
      window.removeEventListener('keydown', onKey);
      offMenu();
    };
  }, [fileInput]);
}
