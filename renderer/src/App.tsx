import { useEffect, useRef, useState } from 'react';
import { EndpointBadge, ErrorBox, Kbd, MOD } from './components/ui.tsx';
import { AgentScreen } from './features/agent/AgentScreen.tsx';
import { ImportScreen } from './features/import/ImportScreen.tsx';
import { ResultsScreen } from './features/results/ResultsScreen.tsx';
import { RunScreen } from './features/run/RunScreen.tsx';
import { InterruptedOffer } from './features/runs/InterruptedOffer.tsx';
import { RunsScreen } from './features/runs/RunsScreen.tsx';
import { CompareScreen } from './features/compare/CompareScreen.tsx';
import { useShortcuts } from './shortcuts.ts';
import { useAgent } from './store/agent.ts';
import { SCREENS, useApp, type Screen } from './store/app.ts';
import { useDataset } from './store/dataset.ts';
import { useResults } from './store/results.ts';
import { ACTIVE, useRun } from './store/run.ts';
import { count } from '../../shared/plural.ts';

const LABEL: Record<Screen, string> = { import: 'Import', agent: 'Agent', run: 'Run', results: 'Results', runs: 'Runs', compare: 'Compare' };

export const FILE_INPUT_ID = 'csv-file-input';

export function App() {
  const screen = useApp((s) => s.screen);
  const go = useApp((s) => s.go);
  const banner = useApp((s) => s.banner);
  const setBanner = useApp((s) => s.setBanner);
  const notice = useApp((s) => s.notice);
  const connection = useApp((s) => s.connection);
  const helpOpen = useApp((s) => s.helpOpen);
  const dataset = useDataset((s) => s.dataset);
  const importFile = useDataset((s) => s.importFile);
  const endpoint = useAgent((s) => s.draft.endpoint);
  const runId = useRun((s) => s.runId);
  const runStatus = useRun((s) => s.run?.status);
  const fileInput = useRef<HTMLInputElement>(null);
  const dragging = useWindowDrop((file) => {
    go('import');
    void importFile(file);
  });
  useShortcuts(fileInput);

  // The results table always shows the run in view.
  useEffect(() => {
    useResults.getState().setRun(runId);
  }, [runId]);

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Rowrunner</span>
        <span className="topbar-context" data-testid="header-dataset">
          {dataset ? `${dataset.name} · ${count(dataset.rowCount, 'row')}` : 'No CSV yet'}
        </span>
        <EndpointBadge kind={endpoint} testId="endpoint-badge" />
        <span className="spacer" />
        {connection !== 'open' && (
          <span className="conn" data-testid="connection-state" data-state={connection}>
            {connection === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
          </span>
        )}
        <button type="button" className="ghost" onClick={() => useApp.getState().setHelp(true)} data-testid="help-button" title="Keyboard shortcuts (?)">
          ?
        </button>
      </header>

      <div className="layout">
        <nav className="sidebar" aria-label="Screens">
          {SCREENS.map((s, i) => (
            <button
              key={s}
              type="button"
              className={`nav-item ${screen === s ? 'active' : ''}`}
              aria-current={screen === s ? 'page' : undefined}
              onClick={() => go(s)}
              data-testid={`nav-${s}`}
              title={`Alt+${i + 1}`}
            >
              <span>{LABEL[s]}</span>
              {s === 'run' && runStatus && ACTIVE.has(runStatus) && <span className="dot live" aria-label={runStatus} />}
            </button>
          ))}
        </nav>

        <main className="main">
          {connection === 'reconnecting' && (
            <ErrorBox testId="error-banner">The link to Rowrunner dropped; reconnecting… What you see will be read again once it is back.</ErrorBox>
          )}
          {banner && (
            <ErrorBox testId="error-banner" onDismiss={() => setBanner(null)}>
              {banner}
            </ErrorBox>
          )}
          <InterruptedOffer />
          {screen === 'import' && <ImportScreen />}
          {screen === 'agent' && <AgentScreen />}
          {screen === 'run' && <RunScreen />}
          {screen === 'results' && <ResultsScreen />}
          {screen === 'runs' && <RunsScreen />}
          {screen === 'compare' && <CompareScreen />}
        </main>
      </div>

      {/* One file input for the drop zone, Ctrl/Cmd+O and the File menu alike. */}
      <input
        ref={fileInput}
        id={FILE_INPUT_ID}
        className="visually-hidden"
        type="file"
        accept=".csv,.tsv,.txt,.xlsx,.xls"
        data-testid="file-input"
        aria-label="Choose a CSV file"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) {
            go('import');
            void importFile(file);
          }
        }}
      />

      {dragging && (
        <div className="drag-overlay" data-testid="drag-overlay">
          <div>Drop the CSV to import it</div>
        </div>
      )}
      {notice && (
        <div className="toast" role="status" data-testid="notice">
          {notice}
        </div>
      )}
      {helpOpen && <HelpOverlay />}
    </div>
  );
}

/** Dropping a file anywhere on the window imports it; returns whether a file is being dragged over. */
function useWindowDrop(onFile: (file: File) => void): boolean {
  const [dragging, setDragging] = useState(false);
  const onFileRef = useRef(onFile);
  onFileRef.current = onFile;
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (file) onFileRef.current(file);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return dragging;
}

const SHORTCUTS: Array<[string[], string]> = [
  [[MOD, 'O'], 'Open a CSV'],
  [[MOD, 'Enter'], 'Start the run'],
  [['Space'], 'Pause or resume (progress panel focused)'],
  [[MOD, 'E'], 'Export the results as xlsx'],
  [['Alt', '1…5'], 'Import · Agent · Run · Results · Runs'],
  [['/'], 'Search the results'],
  [['Esc'], 'Close the item detail or this help'],
  [['?'], 'This help'],
];

function HelpOverlay() {
  const close = () => useApp.getState().setHelp(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="overlay" onClick={close} data-testid="help-overlay">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        tabIndex={-1}
        ref={ref}
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={what}>
                <td>
                  {keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && ' + '}
                      <Kbd>{k}</Kbd>
                    </span>
                  ))}
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="actions">
          <button type="button" onClick={close} data-testid="help-close">
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
