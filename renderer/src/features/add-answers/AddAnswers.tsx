// "Add answers to my spreadsheet": the user picks the workbook the run read; the answers come back
// as a copy of it with the output columns appended to its data sheet (saved beside it in the desktop
// app, downloaded when served).
import { useRef, useState } from 'react';
import { count } from '../../../../shared/plural.ts';
import type { RunSummary } from '../../../../shared/contract.ts';
import { api, csvSourceFor, downloadUrl } from '../../api.ts';
import { errorText } from '../../bridge.ts';
import { ErrorBox } from '../../components/ui.tsx';
import { useDataset } from '../../store/dataset.ts';

export function AddAnswers({ run }: { run: RunSummary }) {
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<{ busy: boolean; done: string | null; error: string | null }>({ busy: false, done: null, error: null });
  // The sheet the run read, when it is the dataset in use; otherwise the workbook's first.
  const dataset = useDataset((s) => s.dataset);
  const sheet = dataset?.id === run.datasetId ? dataset.sheet : undefined;

  const add = async (file: File) => {
    setState({ busy: true, done: null, error: null });
    try {
      const source = await csvSourceFor(file);
      const res = await api.invoke('run:exportInto', { runId: run.runId, source, ...(sheet ? { sheet } : {}) });
      if (res.downloadUrl) downloadUrl(res.downloadUrl);
      const where = res.path ? `Saved to ${res.path}` : 'The download has started';
      setState({ busy: false, done: `${where}: ${file.name} with the answers of ${count(res.rows, 'row')} added.`, error: null });
    } catch (e) {
      setState({ busy: false, done: null, error: errorText(e) });
    }
  };

  return (
    <>
      <button type="button" className="secondary" onClick={() => input.current?.click()} disabled={state.busy} data-testid="add-answers" title="Choose the .xlsx the run read: the answers are added to a copy of it">
        {state.busy ? 'Adding…' : 'Add answers to my spreadsheet'}
      </button>
      <input
        ref={input}
        type="file"
        accept=".xlsx"
        className="visually-hidden"
        data-testid="add-answers-input"
        aria-label="Choose your workbook"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) void add(file);
        }}
      />
      {state.error && (
        <ErrorBox testId="add-answers-error" onDismiss={() => setState((s) => ({ ...s, error: null }))}>
          {state.error}
        </ErrorBox>
      )}
      {state.done && (
        <div className="ok-box" role="status" data-testid="add-answers-result">
          {state.done}
        </div>
      )}
    </>
  );
}
