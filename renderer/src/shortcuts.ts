// Keyboard shortcuts for the main actions. Space (pause/resume) belongs to the progress panel itself.
import { useEffect, type RefObject } from 'react';
import { SCREENS, useApp } from './store/app.ts';
import { useResults } from './store/results.ts';
import { useRun } from './store/run.ts';

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
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
        void useRun.getState().start();
      } else if (mod && !e.altKey && key === 'e') {
        e.preventDefault();
        if (useResults.getState().runId) {
          app.go('results');
          void useResults.getState().exportAs('xlsx');
        }
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
    return () => window.removeEventListener('keydown', onKey);
  }, [fileInput]);
}
