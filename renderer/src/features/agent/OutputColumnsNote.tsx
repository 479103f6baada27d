import type { AgentDraft } from './spec.ts';

export function OutputColumnsNote({ draft }: { draft: AgentDraft }) {
  const cols =
    draft.outputMode === 'structured'
      ? draft.fields.map((f) => f.name.trim()).filter(Boolean)
      : draft.outputMode === 'custom' && draft.custom?.output
        ? Object.keys(draft.custom.output)
        : ['result'];
  return (
    <p className="muted small" data-testid="output-columns">
      Output columns: {cols.length ? cols.join(', ') : '—'}
    </p>
  );
}

