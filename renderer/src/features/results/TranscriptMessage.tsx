// One message of a row's transcript: its role, its text (a tool's result as indented JSON) and the
// tool calls it makes, each call's arguments indented or marked when they are not valid JSON.
import type { TranscriptMessage } from '../../../../shared/domain.ts';

function prettyJson(text: string): { text: string; valid: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), valid: true };
  } catch {
    return { text, valid: false };
  }
}

export function Message({ m }: { m: TranscriptMessage }) {
  return (
    <div className={`msg role-${m.role}`} data-testid={`transcript-${m.role}`}>
      <div className="msg-role">
        {m.role}
        {m.toolCallId && <span className="muted small"> · result of {m.toolCallId}</span>}
      </div>
      {m.content !== null && m.content !== '' && <pre className="wrap">{m.role === 'tool' ? prettyJson(m.content).text : m.content}</pre>}
      {m.toolCalls?.map((c) => {
        const args = prettyJson(c.arguments);
        return (
          <div key={c.id} className="tool-call" data-testid="tool-call">
            <div>
              <span className="muted small">calls</span> <code>{c.name}</code> <span className="muted small">({c.id})</span>
              {!args.valid && <span className="badge bad"> arguments are not valid JSON</span>}
            </div>
            <pre className="wrap code">{args.text}</pre>
          </div>
        );
      })}
    </div>
  );
}
