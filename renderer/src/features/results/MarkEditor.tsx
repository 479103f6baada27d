// A row's mark in its detail: 👍 / 👎 and a note, saved when it loses focus or on Save.
import { useEffect, useState } from 'react';
import type { ItemDetail } from '../../../../shared/contract.ts';
import { useResults } from '../../store/results.ts';
import { Thumb } from './Thumb.tsx';

export function MarkEditor({ detail }: { detail: ItemDetail }) {
  const rating = detail.rating ?? null;
  const saved = detail.note ?? '';
  const [note, setNote] = useState(saved);
  useEffect(() => setNote(saved), [detail.index, saved]);
  const save = (r = rating, n = note) => void useResults.getState().markItem(detail.index, r, n.trim() ? n : null);
  const dirty = note !== saved;
  return (
    <div className="mark-editor" data-testid="mark-editor">
      <div className="row-actions">
        <button type="button" className={`mark ${rating === 'up' ? 'on' : ''}`} aria-pressed={rating === 'up'} onClick={() => save(rating === 'up' ? null : 'up')} data-testid="detail-mark-up">
          <Thumb /> Good
        </button>
        <button type="button" className={`mark ${rating === 'down' ? 'on' : ''}`} aria-pressed={rating === 'down'} onClick={() => save(rating === 'down' ? null : 'down')} data-testid="detail-mark-down">
          <Thumb down /> Bad
        </button>
      </div>
      <textarea
        value={note}
        onChange={(e) => setNote(e.target.value)}
        onBlur={() => dirty && save()}
        placeholder="A note on this row (exported as _note)"
        aria-label="Note"
        rows={2}
        maxLength={10_000}
        data-testid="detail-note"
      />
      {dirty && (
        <button type="button" className="secondary small" onClick={() => save()} data-testid="detail-note-save">
          Save note
        </button>
      )}
    </div>
  );
}
