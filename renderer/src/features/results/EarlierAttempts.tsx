// A row's earlier attempts, kept when it was run again or retried: each one's result and transcript.
import type { ItemDetail } from '../../../../shared/contract.ts';
import { ItemStatusPill } from '../../components/ui.tsx';
import { OutputTable } from './OutputTable.tsx';
import { Message } from './TranscriptMessage.tsx';

export function EarlierAttempts({ detail }: { detail: ItemDetail }) {
  const attempts = detail.earlierAttempts ?? [];
  if (attempts.length === 0) return null;
  return (
    <>
      <h3>Earlier attempts ({attempts.length})</h3>
      {[...attempts].reverse().map((a) => (
        <details key={a.attempt} data-testid={`earlier-attempt-${a.attempt}`}>
          <summary>
            Attempt {a.attempt} <ItemStatusPill status={a.status} />
          </summary>
          {a.error && <pre className="wrap">{a.error}</pre>}
          {a.output && (
            <OutputTable output={a.output} />
          )}
          <div className="transcript">
            {a.transcript.map((m, i) => (
              <Message key={i} m={m} />
            ))}
          </div>
        </details>
      ))}
    </>
  );
}
