// The app's addresses: one hash route per screen, with the run in view or the runs compared, so that
// Back works inside the app and a run or a comparison can be linked.
import { SCREENS, type Screen } from '../store/app.ts';

export interface Route {
  screen: Screen;
  /** run and results: the run in view. */
  runId?: string;
  /** compare: the runs compared. */
  runIds?: string[];
}

const ID = /^\d{1,15}$/;

/** "#/results/12" → { screen: 'results', runId: '12' }; null for what is not a route of the app. */
export function parseHash(hash: string): Route | null {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [screen, arg] = parts;
  if (parts.length > 2) return null;
  if (screen === 'compare') {
    const runIds = (arg ?? '').split(',').filter(Boolean);
    return runIds.every((id) => ID.test(id)) ? { screen, runIds } : null;
  }
  if (!(SCREENS as readonly string[]).includes(screen)) return null;
  if (arg === undefined) return { screen: screen as Screen };
  if ((screen === 'run' || screen === 'results') && ID.test(arg)) return { screen, runId: arg };
  return null;
}

export function hashOf(route: Route): string {
  if (route.screen === 'compare') return `#/compare/${(route.runIds ?? []).join(',')}`;
  if ((route.screen === 'run' || route.screen === 'results') && route.runId) return `#/${route.screen}/${route.runId}`;
  return `#/${route.screen}`;
}
