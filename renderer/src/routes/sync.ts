// Keeps the address and the stores in step: a change of screen, run or comparison pushes a history
// entry; Back, Forward or an opened link applies the address to the stores.
import { useApp } from '../store/app.ts';
import { useCompare } from '../store/compare.ts';
import { useRun } from '../store/run.ts';
import { hashOf, parseHash, type Route } from './hash.ts';

function currentRoute(): Route {
  const screen = useApp.getState().screen;
  if (screen === 'compare') return { screen, runIds: useCompare.getState().runIds };
  const runId = useRun.getState().runId;
  return runId && (screen === 'run' || screen === 'results') ? { screen, runId } : { screen };
}

let applying = false;

async function apply(route: Route): Promise<void> {
  applying = true;
  try {
    if (route.runId && useRun.getState().runId !== route.runId) await useRun.getState().open(route.runId);
    if (route.runIds) void useCompare.getState().open(route.runIds);
    useApp.getState().go(route.screen);
  } finally {
    applying = false;
  }
  // What the stores settled on (a run that is gone is not opened) becomes the address, without a new entry.
  write(true);
}

function write(replace: boolean): void {
  const hash = hashOf(currentRoute());
  if (hash === window.location.hash) return;
  const url = `${window.location.pathname}${window.location.search}${hash}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
}

let started = false;

export function startRoutes(): void {
  if (started) return;
  started = true;
  const onChange = () => {
    if (!applying) write(false);
  };
  useApp.subscribe((s, prev) => s.screen !== prev.screen && onChange());
  useRun.subscribe((s, prev) => s.runId !== prev.runId && onChange());
  useCompare.subscribe((s, prev) => s.runIds !== prev.runIds && onChange());
  window.addEventListener('popstate', () => {
    const route = parseHash(window.location.hash);
    if (route) void apply(route);
  });
  const first = parseHash(window.location.hash);
  if (first) void apply(first);
  else write(true);
}
