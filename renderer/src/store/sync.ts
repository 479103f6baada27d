// Joins the core's events and the link's state to the stores. Events are hints: on a reconnect (the
// server restarted, say) everything on screen is read again from the store, which is the truth.
import { api, onConnection, tokenRefused } from '../api.ts';
import { useApp } from './app.ts';
import { useDataset } from './dataset.ts';
import { useResults } from './results.ts';
import { useRun } from './run.ts';
import { useRuns } from './runs.ts';

const ITEMS_FLUSH_MS = 300;
const TOKEN_BANNER =
  'Rowrunner restarted with a new token: open the URL that `rowrunner serve` printed (this page keeps trying the old one).';

/** Reads again everything the screens show. */
export function resync(): void {
  void useApp.getState().loadInfo();
  void useRuns.getState().refresh();
  void useRun.getState().refresh();
  void useDataset.getState().loadPreview();
  useResults.getState().refreshAll();
}

let started = false;

export function startSync(): void {
  if (started) return;
  started = true;

  // While the link is down, look now and then whether the server is back with another token.
  let probe: ReturnType<typeof setInterval> | null = null;
  const stopProbe = () => {
    if (probe) clearInterval(probe);
    probe = null;
  };
  onConnection((state, reconnected) => {
    const app = useApp.getState();
    app.setConnection(state);
    if (state === 'open') {
      stopProbe();
      if (app.banner === TOKEN_BANNER || app.banner?.startsWith('Could not reach')) app.setBanner(null);
      if (reconnected) resync();
    } else if (!probe) {
      probe = setInterval(() => {
        void tokenRefused().then((refused) => {
          if (refused && useApp.getState().connection !== 'open') useApp.getState().setBanner(TOKEN_BANNER);
        });
      }, 5000);
    }
  });

  api.on('run:progress', (p) => {
    useRun.getState().applyProgress(p);
    useRuns.getState().applyProgress(p);
  });

  // Changed rows come in bursts: gather them and refresh the table a few times a second at most.
  const pending = new Map<string, Set<number>>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  api.on('run:items', ({ runId, indexes }) => {
    let set = pending.get(runId);
    if (!set) pending.set(runId, (set = new Set()));
    for (const i of indexes) set.add(i);
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      for (const [id, s] of pending) useResults.getState().changed(id, [...s]);
      pending.clear();
    }, ITEMS_FLUSH_MS);
  });

  api.on('run:finished', ({ runId }) => {
    if (useRun.getState().runId === runId) void useRun.getState().refresh();
    void useRuns.getState().refresh();
    if (useResults.getState().runId === runId) useResults.getState().refreshAll();
  });

  // First load: the bridge holds calls until its socket is open.
  void useApp.getState().loadInfo();
  void useRuns.getState().refresh();
  void useDataset.getState().loadSamples();
  void useDataset.getState().loadPreview();
  const runId = useRun.getState().runId;
  if (runId) {
    void useRun.getState().refresh();
    useResults.getState().setRun(runId);
  }
}
