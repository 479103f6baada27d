import { Field } from '../../components/ui.tsx';
import { useAgent } from '../../store/agent.ts';
import { FIELD_TYPES, type AgentDraft, type FieldType, type OutputField } from './spec.ts';

export function OutputEditor({ draft, err }: { draft: AgentDraft; err: (key: string) => string | undefined }) {
  const patch = useAgent((s) => s.patch);
  const setField = (i: number, p: Partial<OutputField>) =>
    patch({ fields: draft.fields.map((f, j) => (j === i ? { ...f, ...p } : f)) });
  const addField = () => patch({ fields: [...draft.fields, { name: '', type: 'string', description: '' }] });

  return (
    <>
      <div className="segmented" role="radiogroup" aria-label="Output">
        <label>
          <input
            type="radio"
            name="output-mode"
            checked={draft.outputMode === 'text'}
            onChange={() => patch({ outputMode: 'text' })}
            data-testid="output-mode-text"
          />
          Plain text
        </label>
        <label>
          <input
            type="radio"
            name="output-mode"
            checked={draft.outputMode === 'structured'}
            onChange={() =>
              patch({
                outputMode: 'structured',
                fields: draft.fields.length ? draft.fields : [{ name: '', type: 'string', description: '' }],
              })
            }
            data-testid="output-mode-structured"
          />
          Structured answer
        </label>
        {draft.custom && (
          <label>
            <input
              type="radio"
              name="output-mode"
              checked={draft.outputMode === 'custom'}
              onChange={() => patch({ outputMode: 'custom' })}
              data-testid="output-mode-custom"
            />
            Tools as loaded
          </label>
        )}
      </div>

      {draft.outputMode === 'text' && (
        <p className="muted small">The model's final message becomes one column, <code>result</code>.</p>
      )}

      {draft.outputMode === 'structured' && (
        <>
          <p className="muted small">
            Each field becomes its own output column. The model answers by calling a tool, <code>answer</code>, with every field filled
            in; the row ends there.
          </p>
          <table className="fields" data-testid="fields-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Description (tells the model what to put there)</th>
                <th aria-label="Remove" />
              </tr>
            </thead>
            <tbody>
              {draft.fields.map((f, i) => (
                <tr key={i}>
                  <td>
                    <input
                      value={f.name}
                      onChange={(e) => setField(i, { name: e.target.value })}
                      placeholder="label"
                      aria-label={`Field ${i + 1} name`}
                      aria-invalid={!!err(`fields.${i}.name`)}
                      data-testid={`field-name-${i}`}
                      spellCheck={false}
                    />
                    {err(`fields.${i}.name`) && <div className="field-error">{err(`fields.${i}.name`)}</div>}
                  </td>
                  <td>
                    <select
                      value={f.type}
                      onChange={(e) => setField(i, { type: e.target.value as FieldType })}
                      aria-label={`Field ${i + 1} type`}
                      data-testid={`field-type-${i}`}
                    >
                      {FIELD_TYPES.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      value={f.description}
                      onChange={(e) => setField(i, { description: e.target.value })}
                      aria-label={`Field ${i + 1} description`}
                      data-testid={`field-desc-${i}`}
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="ghost"
                      onClick={() => patch({ fields: draft.fields.filter((_, j) => j !== i) })}
                      aria-label={`Remove field ${i + 1}`}
                      data-testid={`field-remove-${i}`}
                    >
                      ✕
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {err('fields') && <div className="field-error">{err('fields')}</div>}
          <div className="row-actions">
            <button type="button" className="secondary" onClick={addField} data-testid="field-add">
              + Add field
            </button>
          </div>
          <Field label="What the answer is (the tool's description)">
            <input
              value={draft.answerDescription}
              onChange={(e) => patch({ answerDescription: e.target.value })}
              data-testid="answer-description"
            />
          </Field>
        </>
      )}

      {draft.outputMode === 'custom' && draft.custom && (
        <>
          <p className="muted small">
            This agent came with its own tools, kept exactly as loaded. Choose plain text or a structured answer to replace them.
          </p>
          <pre className="code small" data-testid="custom-tools">
            {JSON.stringify({ tools: draft.custom.tools, doneIfTool: draft.custom.doneIfTool, output: draft.custom.output }, null, 2)}
          </pre>
        </>
      )}
    </>
  );
}

