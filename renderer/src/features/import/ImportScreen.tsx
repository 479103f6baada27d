import { useEffect } from 'react';
import type { DatasetSummary } from '../../../../shared/contract.ts';
import { Empty, ErrorBox, Spinner } from '../../components/ui.tsx';
import { useApp } from '../../store/app.ts';
import { useDataset } from '../../store/dataset.ts';
import { SheetPicker } from './SheetPicker.tsx';
import { count } from '../../../../shared/plural.ts';

const FILE_INPUT_ID = 'csv-file-input';

const DELIMITER_NAME: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

export function delimiterName(d: string): string {
  return DELIMITER_NAME[d] ? `${DELIMITER_NAME[d]} (${d === '\t' ? '\\t' : d})` : JSON.stringify(d);
}

export function ImportScreen() {
  const dataset = useDataset((s) => s.dataset);
  const importing = useDataset((s) => s.importing);
  const importError = useDataset((s) => s.importError);
  const lastFile = useDataset((s) => s.lastFile);
  const lastRagged = useDataset((s) => s.lastRagged);
  const samples = useDataset((s) => s.samples);

  useEffect(() => {
    if (!samples) void useDataset.getState().loadSamples();
  }, [samples]);

  return (
    <section className="screen" aria-labelledby="import-title">
      <div className="screen-head">
        <h1 id="import-title">Import</h1>
        <p className="muted">One CSV or Excel workbook (.xlsx), one row per item. Drop it anywhere on the window.</p>
      </div>

      <DropZone compact={!!dataset} />

      {importing && (
        <div className="loading-line" data-testid="import-loading">
          <Spinner label={importing === 'sample' ? 'Loading the sample…' : `Importing ${importing}…`} />
        </div>
      )}

      {importError && (
        <ErrorBox testId="import-error" onDismiss={() => useDataset.getState().clearError()}>
          <strong>That file could not be imported.</strong>
          <div data-testid="import-error-message">{importError.message}</div>
          {lastFile && importError.reason === 'ragged-rows' && (
            <div className="row-actions">
              <span className="muted">Import it anyway:</span>
              {lastRagged !== 'pad' && (
                <button type="button" onClick={() => void useDataset.getState().importFile(lastFile, 'pad')} data-testid="ragged-pad">
                  Pad short rows
                </button>
              )}
              {lastRagged !== 'skip' && (
                <button type="button" onClick={() => void useDataset.getState().importFile(lastFile, 'skip')} data-testid="ragged-skip">
                  Skip bad rows
                </button>
              )}
            </div>
          )}
        </ErrorBox>
      )}

      {dataset ? <DatasetPreview dataset={dataset} /> : !importing && <Samples />}
    </section>
  );
}

function DropZone({ compact }: { compact: boolean }) {
  return (
    <label htmlFor={FILE_INPUT_ID} className={`drop-zone ${compact ? 'compact' : ''}`} data-testid="drop-zone">
      <span className="drop-icon" aria-hidden="true">
        ⇣
      </span>
      <span>
        <strong>{compact ? 'Import another file' : 'Drop a CSV or workbook here'}</strong>
        <span className="muted"> or click to browse (.csv, .tsv, .txt, .xlsx)</span>
      </span>
      <span
        className="button secondary"
        role="button"
        tabIndex={0}
        data-testid="browse-button"
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            document.getElementById(FILE_INPUT_ID)?.click();
          }
        }}
      >
        Browse…
      </span>
    </label>
  );
}

function Samples() {
  const samples = useDataset((s) => s.samples);
  const samplesError = useDataset((s) => s.samplesError);
  const go = useApp((s) => s.go);
  const load = async (id: string) => {
    if (await useDataset.getState().loadSample(id)) go('agent');
  };
  return (
    <Empty title="New here? Try a sample" testId="import-empty">
      <p className="muted">
        A sample brings a small CSV and a ready agent on the <strong>Simulated</strong> endpoint: an offline test endpoint
        that answers instantly and costs nothing, so you can see a whole run before you use a real model.
      </p>
      {samplesError && <ErrorBox testId="samples-error">{samplesError}</ErrorBox>}
      {!samples && !samplesError && <Spinner label="Loading samples…" />}
      {samples && samples.length > 0 && (
        <>
          <button type="button" className="primary" onClick={() => void load(samples[0].id)} data-testid="sample-button">
            Try a sample: {samples[0].title}
          </button>
          {samples.length > 1 && (
            <ul className="samples">
              {samples.map((s) => (
                <li key={s.id}>
                  <button type="button" className="link" onClick={() => void load(s.id)} data-testid={`sample-${s.id}`}>
                    {s.title}
                  </button>
                  <span className="muted"> — {s.description}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {samples && samples.length === 0 && <p className="muted">No samples are bundled with this build.</p>}
    </Empty>
  );
}

function DatasetPreview({ dataset }: { dataset: DatasetSummary }) {
  const preview = useDataset((s) => s.preview);
  const previewError = useDataset((s) => s.previewError);
  const go = useApp((s) => s.go);
  return (
    <div className="card" data-testid="dataset-summary">
      <div className="card-head">
        <h2 data-testid="dataset-name">{dataset.name}</h2>
        <SheetPicker dataset={dataset} />
        <button type="button" className="primary" onClick={() => go('agent')} data-testid="next-agent">
          Next: shape the agent →
        </button>
      </div>
      <dl className="facts">
        <div>
          <dt>Rows</dt>
          <dd data-testid="dataset-rows">{dataset.rowCount.toLocaleString('en-US')}</dd>
        </div>
        <div>
          <dt>Columns</dt>
          <dd data-testid="dataset-columns">{dataset.columns.length}</dd>
        </div>
        {dataset.encoding === 'xlsx' ? (
          <div>
            <dt>Sheet</dt>
            <dd data-testid="dataset-sheet">{dataset.sheet ?? 'Excel workbook'}</dd>
          </div>
        ) : (
          <>
            <div>
              <dt>Delimiter</dt>
              <dd data-testid="dataset-delimiter">{delimiterName(dataset.delimiter)}</dd>
            </div>
            <div>
              <dt>Encoding</dt>
              <dd data-testid="dataset-encoding">{dataset.encoding}</dd>
            </div>
          </>
        )}
      </dl>
      {dataset.notes.length > 0 && (
        <ul className="notes" data-testid="dataset-notes">
          {dataset.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      {dataset.rowCount === 0 && <p className="muted">The file has a header but no rows: a run would have nothing to do.</p>}
      {previewError && <ErrorBox testId="preview-error">{previewError}</ErrorBox>}
      {!preview && !previewError && <Spinner label="Loading the first rows…" />}
      {preview && (
        <div className="table-scroll">
          <table className="grid" data-testid="preview-table">
            <thead>
              <tr>
                <th className="num">#</th>
                {dataset.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.map((row, i) => (
                <tr key={i}>
                  <td className="num muted">{i + 1}</td>
                  {dataset.columns.map((_, j) => (
                    <td key={j} title={row[j]}>
                      {row[j]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {dataset.rowCount > preview.length && (
            <p className="muted small">
              The first {preview.length} of {count(dataset.rowCount, 'row')}.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
