// Which columns the grid shows and in what order, for the run's dataset: a checkbox and move buttons
// a column (the headers can also be dragged), and a reset.
import { useState } from 'react';
import type { RunSummary } from '../../../../shared/contract.ts';
import { EMPTY_LAYOUT, moveColumn, orderOf } from './columns.ts';
import { useColumnLayout } from './layout.ts';
import { useGridColumns } from './ResultsTable.tsx';

export function ColumnsMenu({ run }: { run: RunSummary }) {
  const [open, setOpen] = useState(false);
  const { all } = useGridColumns(run);
  const layout = useColumnLayout((s) => s.byDataset[run.datasetId]) ?? EMPTY_LAYOUT;
  const ops = useColumnLayout.getState();
  const order = orderOf(all, layout);
  const byId = new Map(all.map((c) => [c.id, c]));
  const hiddenCount = layout.hidden.length;
  return (
    <div className="menu-wrap">
      <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="columns-button">
        Columns{hiddenCount ? ` (${hiddenCount} hidden)` : ''}
      </button>
      {open && (
        <div className="menu columns-menu" role="dialog" aria-label="Columns" data-testid="columns-menu">
          <ul>
            {order.map((id, i) => {
              const c = byId.get(id)!;
              return (
                <li key={id}>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={!layout.hidden.includes(id)}
                      onChange={() => ops.toggleHidden(run.datasetId, id)}
                      data-testid={`show-${c.key}`}
                    />
                    <span className={`ellipsis ${c.kind}`}>{c.label}</span>
                  </label>
                  <span className="spacer" />
                  <button type="button" className="ghost small" disabled={i === 0} onClick={() => ops.setOrder(run.datasetId, moveColumn(order, id, { by: -1 }))} aria-label={`Move ${c.label} left`} data-testid={`left-${c.key}`}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="ghost small"
                    disabled={i === order.length - 1}
                    onClick={() => ops.setOrder(run.datasetId, moveColumn(order, id, { by: 1 }))}
                    aria-label={`Move ${c.label} right`}
                    data-testid={`right-${c.key}`}
                  >
                    ↓
                  </button>
                </li>
              );
            })}
          </ul>
          <div className="row-actions">
            <button type="button" className="secondary" onClick={() => ops.reset(run.datasetId)} data-testid="columns-reset">
              Reset columns
            </button>
            <button type="button" className="primary" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
