import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { parseTemplate } from '../../../../shared/template.ts';
import { ErrorBox } from '../../components/ui.tsx';
import { useDataset } from '../../store/dataset.ts';
import { OutputColumnsNote } from './OutputColumnsNote.tsx';
import { previewText } from './preview-text.ts';
import type { AgentDraft } from './spec.ts';

export function PromptPreview({ draft }: { draft: AgentDraft }) {
  const dataset = useDataset((s) => s.dataset);
  const preview = useDataset((s) => s.preview);
  const fetched = useDataset((s) => s.row);
  const fetchError = useDataset((s) => s.rowError);
  const [rowNo, setRowNo] = useState(1);
  const count = dataset?.rowCount ?? 0;
  const n = Math.min(Math.max(1, rowNo), Math.max(1, count));
  const key = `${dataset?.id}:${n}`;
  const local = preview && n - 1 < preview.length ? preview[n - 1] : null;
  const row = local ?? (fetched?.key === key ? fetched.row : null);
  const error = !local && fetchError?.key === key ? fetchError.message : null;

  useEffect(() => {
    if (!dataset || local || count === 0) return;
    // Waits for the row number to settle while the user types or holds an arrow key.
    const t = setTimeout(() => void useDataset.getState().loadRow(n), 150);
    return () => clearTimeout(t);
  }, [dataset, local, n, count]);
  const record = useMemo(() => {
    if (!dataset || !row) return null;
    const r: Record<string, string> = {};
    dataset.columns.forEach((c, i) => (r[c] = row[i] ?? ''));
    return r;
  }, [dataset, row]);

  let body: ReactNode;
  let parts: ReturnType<typeof parseTemplate> | null = null;
  try {
    parts = parseTemplate(draft.prompt);
  } catch {
    parts = null;
  }
  if (!draft.prompt.trim()) body = <span className="muted">Write a prompt to see it here.</span>;
  else if (!parts) body = <span className="muted">Close every {'{{'} to see the prompt.</span>;
  else if (!dataset) body = <span className="muted">Import a CSV to see the prompt for a row.</span>;
  else if (count === 0) body = <span className="muted">The CSV has no rows.</span>;
  else if (!record) body = <span className="muted">Loading row {n}…</span>;
  else
    body = parts.map((p, i) =>
      'text' in p ? (
        <span key={i}>{p.text}</span>
      ) : p.column in record ? (
        <mark key={i} className="value" title={`{{${p.column}}}`}>
          <Truncated text={record[p.column]} />
        </mark>
      ) : (
        <mark key={i} className="missing" title="No such column">
          {`{{${p.column}}}`}
        </mark>
      ),
    );

  return (
    <div className="card sticky">
      <div className="card-head">
        <h2>Preview</h2>
        <div className="inline row-picker">
          <button type="button" className="secondary" onClick={() => setRowNo(n - 1)} disabled={n <= 1} aria-label="Previous row">
            ‹
          </button>
          <label className="inline">
            Row
            <input
              type="number"
              min={1}
              max={Math.max(1, count)}
              value={n}
              onChange={(e) => setRowNo(Number(e.target.value) || 1)}
              data-testid="preview-row"
              className="narrow"
            />
            <span className="muted">of {count.toLocaleString('en-US')}</span>
          </label>
          <button type="button" className="secondary" onClick={() => setRowNo(n + 1)} disabled={n >= count} aria-label="Next row">
            ›
          </button>
        </div>
      </div>
      {error && <ErrorBox>{error}</ErrorBox>}
      {draft.systemMessage.trim() && (
        <>
          <div className="preview-label">System</div>
          <pre className="prompt-preview system">
            <Truncated text={draft.systemMessage} />
          </pre>
        </>
      )}
      <div className="preview-label">User</div>
      <pre className="prompt-preview" data-testid="prompt-preview">
        {body}
      </pre>
      <OutputColumnsNote draft={draft} />
    </div>
  );
}


/** A value's start, and how many characters more it has (the run sends it whole). */
function Truncated({ text }: { text: string }) {
  const { shown, more } = previewText(text);
  if (more === 0) return <>{text}</>;
  return (
    <>
      {shown}
      <span className="muted" data-testid="preview-truncated">
        {` … ${more.toLocaleString('en-US')} more characters`}
      </span>
    </>
  );
}
