import { useMemo, useRef } from 'react';
import { useAgent } from '../../store/agent.ts';
import { useDataset } from '../../store/dataset.ts';
import { checkPrompt, promptColumnsMessage } from '../../../../shared/validation.ts';
import { insertColumn, type AgentDraft } from './spec.ts';

export function PromptEditor({ draft, error }: { draft: AgentDraft; error: string | undefined }) {
  const patch = useAgent((s) => s.patch);
  const columns = useDataset((s) => s.dataset?.columns ?? null);
  const ref = useRef<HTMLTextAreaElement>(null);
  // Where the caret was when the textarea last had it (a chip click must not lose it).
  const sel = useRef<[number, number] | null>(null);
  const check = useMemo(() => checkPrompt(draft.prompt, columns), [draft.prompt, columns]);
  const remember = () => {
    const ta = ref.current;
    if (ta) sel.current = [ta.selectionStart, ta.selectionEnd];
  };
  const insert = (column: string) => {
    const [start, end] = sel.current ?? [draft.prompt.length, draft.prompt.length];
    const { text, caret } = insertColumn(draft.prompt, start, end, column);
    patch({ prompt: text });
    sel.current = [caret, caret];
    requestAnimationFrame(() => {
      const ta = ref.current;
      if (!ta) return;
      ta.focus();
      ta.setSelectionRange(caret, caret);
    });
  };

  return (
    <div className="prompt-editor">
      <div className="field-label">Prompt for each row</div>
      {columns ? (
        <div className="chips" aria-label="Columns: click to insert">
          {columns.map((c) => (
            <button
              key={c}
              type="button"
              className="chip"
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => insert(c)}
              data-testid={`column-chip-${c}`}
              title={`Insert {{${c}}}`}
            >
              {c}
            </button>
          ))}
        </div>
      ) : (
        <p className="muted small">Import a CSV to get its columns as chips here.</p>
      )}
      <textarea
        ref={ref}
        rows={7}
        className={`mono ${error || check.syntax || check.missing.length ? 'invalid' : ''}`}
        value={draft.prompt}
        onChange={(e) => {
          patch({ prompt: e.target.value });
          sel.current = [e.target.selectionStart, e.target.selectionEnd];
        }}
        onSelect={remember}
        onKeyUp={remember}
        onClick={remember}
        onBlur={remember}
        placeholder={'Classify this support ticket: {{subject}}\n\n{{body}}'}
        data-testid="prompt-editor"
        spellCheck={false}
        aria-label="Prompt template"
      />
      <div className="prompt-checks" data-testid="prompt-checks">
        {check.syntax && (
          <span className="field-error" data-testid="prompt-error">
            {check.syntax}
          </span>
        )}
        {!check.syntax && error && draft.prompt.trim() === '' && <span className="field-error">{error}</span>}
        {check.missing.length > 0 && (
          <span className="field-error" data-testid="prompt-missing">
            {promptColumnsMessage(check.missing, columns ?? [])}
          </span>
        )}
        {!check.syntax && !check.missing.length && draft.prompt.trim() !== '' && (
          <span className="field-hint">Write {'{{column}}'} to put a row's value in; click a chip to insert one.</span>
        )}
      </div>
    </div>
  );
}

