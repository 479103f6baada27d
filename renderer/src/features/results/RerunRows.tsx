// "Re-run rows…": rows of this run sent again in the same run, each earlier attempt kept in the row's
// history. Rows are numbered as the table's # column and exports show them (from 1), e.g. "3,7-9"; the
// rows checked in the grid; or the rows the filter shows now. A row whose request did not change is answered from the response
// cache unless "Send again" is ticked.
import { useState } from 'react';
import type { RunSummary } from '../../../../shared/contract.ts';
import { fmtInt } from '../../format.ts';
import { useIterate, type RerunChoice } from '../../store/iterate.ts';
import { useResults } from '../../store/results.ts';
import { ACTIVE } from '../../store/run.ts';
import { rerunChoiceOf, type RerunWhich } from './rerunChoice.ts';
import { selectedIndexes, useSelection } from './selection.ts';
import { count } from '../../../../shared/plural.ts';

export function RerunRows({ run }: { run: RunSummary }) {
  const [open, setOpen] = useState(false);
  const [which, setWhich] = useState<RerunWhich>('rows');
  const [spec, setSpec] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [noCache, setNoCache] = useState(false);
  const busy = useIterate((s) => s.busy === 'rerun');
  const filtered = useResults((s) => s.status !== null || s.search.trim() !== '' || Object.keys(s.filters).length > 0);
  const shown = useResults((s) => s.cache?.total ?? null);
  const checked = useSelection((s) => (s.runId === run.runId ? s.indexes.size : 0));
  const disabled = ACTIVE.has(run.status) || busy;

  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => {
          setWhich(checked > 0 ? 'selected' : 'rows');
          setOpen(true);
        }} disabled={disabled} data-testid="rerun-rows-open">
        Re-run rows…
      </button>
    );
  }

  const submit = async () => {
    let choice: RerunChoice;
    try {
      choice = rerunChoiceOf(which, spec, run.totals.items, which === 'selected' ? selectedIndexes() : [], noCache);
    } catch (e) {
      setProblem((e as Error).message);
      return;
    }
    setProblem(null);
    if (await useIterate.getState().rerun(run.runId, choice)) setOpen(false);
  };

  return (
    <form
      className="button-group"
      role="group"
      aria-label="Re-run rows"
      data-testid="rerun-rows"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="small">
        <input type="radio" name="rerun-which" checked={which === 'rows'} onChange={() => setWhich('rows')} data-testid="rerun-which-rows" /> Rows
      </label>
      <input
        type="text"
        value={spec}
        onChange={(e) => {
          setSpec(e.target.value);
          setWhich('rows');
        }}
        placeholder="3,7-9"
        aria-label="Rows to run again, numbered as in the # column"
        title="Row numbers as in the # column and exports (from 1), single or ranges"
        data-testid="rerun-rows-spec"
        size={10}
      />
      {checked > 0 && (
        <label className="small">
          <input type="radio" name="rerun-which" checked={which === 'selected'} onChange={() => setWhich('selected')} data-testid="rerun-which-selected" /> The{' '}
          {fmtInt(checked)} checked row{checked === 1 ? '' : 's'}
        </label>
      )}
      <label className="small">
        <input type="radio" name="rerun-which" checked={which === 'filter'} onChange={() => setWhich('filter')} data-testid="rerun-which-filter" />{' '}
        {filtered ? `The ${shown === null ? 'rows' : count(shown, 'row')} the filter shows` : run.totals.items === 1 ? 'The one row' : `All ${count(run.totals.items, 'row')}`}
      </label>
      <label className="small" title="A row whose request did not change is answered from the response cache unless this is ticked">
        <input type="checkbox" checked={noCache} onChange={(e) => setNoCache(e.target.checked)} data-testid="rerun-no-cache" /> Send again, not from the cache
      </label>
      <button type="submit" disabled={disabled || (which === 'rows' && !spec.trim())} data-testid="rerun-rows-submit">
        {busy ? 'Starting…' : 'Run again'}
      </button>
      <button type="button" className="ghost" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {problem && (
        <span className="field-error" role="alert" data-testid="rerun-rows-problem">
          {problem}
        </span>
      )}
    </form>
  );
}
