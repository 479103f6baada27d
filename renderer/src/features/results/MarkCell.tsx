// A row's mark in the grid: 👍 / 👎 toggles, and a sign when it has a note (edited in the row's detail).
import type { ItemRow } from '../../../../shared/contract.ts';
import { useResults } from '../../store/results.ts';
import { Thumb } from './Thumb.tsx';

export function MarkCell({ row }: { row: ItemRow }) {
  const rating = row.rating ?? null;
  const note = row.note ?? null;
  const set = (r: 'up' | 'down') => void useResults.getState().markItem(row.index, rating === r ? null : r, note);
  return (
    <span className="mark-cell" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
      <button
        type="button"
        className={`mark ${rating === 'up' ? 'on' : ''}`}
        aria-pressed={rating === 'up'}
        aria-label="Good answer"
        title="Good answer"
        onClick={() => set('up')}
        data-testid={`mark-up-${row.index}`}
      >
        <Thumb />
      </button>
      <button
        type="button"
        className={`mark ${rating === 'down' ? 'on' : ''}`}
        aria-pressed={rating === 'down'}
        aria-label="Bad answer"
        title="Bad answer"
        onClick={() => set('down')}
        data-testid={`mark-down-${row.index}`}
      >
        <Thumb down />
      </button>
      {note && (
        <span className="note-sign" title={note} aria-label={`Note: ${note}`} data-testid={`note-${row.index}`}>
          ✎
        </span>
      )}
    </span>
  );
}
