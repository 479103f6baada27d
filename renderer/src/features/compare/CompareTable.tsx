import type { Comparison } from '../../../../shared/compare.ts';
import { Spinner } from '../../components/ui.tsx';
import { cellText, fmtInt } from '../../format.ts';
import { COMPARE_PAGE_SIZE, useCompare } from '../../store/compare.ts';

/** The input columns once, then each run's output columns, one page of rows at a time. */
export function CompareTable({ summary }: { summary: Comparison }) {
  const page = useCompare((s) => s.page);
  const offset = useCompare((s) => s.offset);
  const loading = useCompare((s) => s.loading);
  if (!page) return <Spinner label="Loading rows…" />;
  const last = Math.min(page.total, offset + page.rows.length);
  const goTo = (at: number) => void useCompare.getState().goTo(at);

  return (
    <>
      <div className="table-scroll compare-scroll">
        <table className="grid compare-rows" data-testid="compare-table">
          <thead>
            <tr>
              <th className="num">#</th>
              {summary.inputColumns.map((c) => (
                <th key={`in-${c}`}>{c}</th>
              ))}
              {summary.runs.flatMap((r, k) =>
                r.outputColumns.map((c, j) => (
                  <th key={`out-${r.runId}-${c}`} className={`run-col run-${k % 4} ${j === 0 ? 'run-start' : ''}`} title={r.name}>
                    {c}@{r.runId}
                  </th>
                )),
              )}
            </tr>
          </thead>
          <tbody>
            {page.rows.map((row) => (
              <tr key={row.index} className={row.differs ? 'differs' : ''} data-testid={`compare-row-${row.index}`} data-differs={row.differs}>
                <td className="num">
                  {row.differs && (
                    <span className="differs-mark" aria-label="outputs differ" title="The outputs differ">
                      ≠{' '}
                    </span>
                  )}
                  {row.index + 1}
                </td>
                {summary.inputColumns.map((c, i) => (
                  <td key={`in-${c}`} title={row.input[i] ?? ''}>
                    {row.input[i] ?? ''}
                  </td>
                ))}
                {summary.runs.flatMap((r, k) =>
                  r.outputColumns.map((c, j) => {
                    const cell = row.cells[k];
                    const text = cell.output ? cellText(cell.output[c]) : cell.status === 'failed' ? `failed: ${cell.error ?? ''}` : cell.status;
                    return (
                      <td key={`out-${r.runId}-${c}`} className={`run-col run-${k % 4} ${j === 0 ? 'run-start' : ''} ${cell.output ? '' : 'muted'}`} title={text}>
                        {text}
                      </td>
                    );
                  }),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="compare-pager">
        <span className="muted small" data-testid="compare-range">
          {page.total === 0 ? 'No rows' : `Rows ${fmtInt(offset + 1)}–${fmtInt(last)} of ${fmtInt(page.total)}`}
        </span>
        {loading && <span className="muted small">Loading…</span>}
        <button type="button" className="secondary" disabled={offset === 0} onClick={() => goTo(offset - COMPARE_PAGE_SIZE)} data-testid="compare-prev">
          Previous
        </button>
        <button type="button" className="secondary" disabled={last >= page.total} onClick={() => goTo(offset + COMPARE_PAGE_SIZE)} data-testid="compare-next">
          Next
        </button>
      </div>
    </>
  );
}
