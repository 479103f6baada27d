import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { parseTemplate } from '../../../../shared/template.ts';
import { api, downloadText } from '../../api.ts';
import { errorText } from '../../bridge.ts';
import { EndpointBadge, ErrorBox, Field } from '../../components/ui.tsx';
import { useAgent } from '../../store/agent.ts';
import { useApp } from '../../store/app.ts';
import { useDataset } from '../../store/dataset.ts';
import {
  buildSpec,
  checkPrompt,
  endpointOf,
  FIELD_TYPES,
  insertColumn,
  parseAgentFile,
  specToDraft,
  specToJson,
  type AgentDraft,
  type EndpointKind,
  type FieldType,
  type OutputField,
} from './spec.ts';

export function AgentScreen() {
  const draft = useAgent((s) => s.draft);
  const patch = useAgent((s) => s.patch);
  const { errors } = useMemo(() => buildSpec(draft), [draft]);
  const [saveTried, setSaveTried] = useState(false);
  // Empty-field complaints wait until the user tries to save; the rest show at once.
  const err = (key: string) => (saveTried || !/^(Name the|Write the|Add at least)/.test(errors[key] ?? '') ? errors[key] : undefined);

  return (
    <section className="screen" aria-labelledby="agent-title">
      <div className="screen-head">
        <h1 id="agent-title">Agent</h1>
        <p className="muted">What the model is asked for each row, and what it answers.</p>
        <span className="spacer" />
        <SaveLoad onSaveTried={() => setSaveTried(true)} />
      </div>
      <AgentLoadErrors />

      <div className="agent-grid">
        <div className="agent-form">
          <div className="card">
            <h2>Model</h2>
            <EndpointFields draft={draft} err={err} />
            <div className="row-fields">
              <Field label="Model" error={err('model')}>
                <input
                  value={draft.model}
                  onChange={(e) => patch({ model: e.target.value })}
                  data-testid="model-input"
                  spellCheck={false}
                  placeholder="gpt-4o-mini"
                />
              </Field>
              <Field label="Agent name" error={err('name')}>
                <input value={draft.name} onChange={(e) => patch({ name: e.target.value })} data-testid="agent-name-input" />
              </Field>
            </div>
          </div>

          <div className="card">
            <h2>Instructions</h2>
            <Field label="System message" hint="Optional: who the model is and how it should answer.">
              <textarea
                rows={3}
                value={draft.systemMessage}
                onChange={(e) => patch({ systemMessage: e.target.value })}
                data-testid="system-input"
              />
            </Field>
            <PromptEditor draft={draft} error={err('prompt')} />
          </div>

          <div className="card">
            <h2>Output</h2>
            <OutputEditor draft={draft} errors={errors} showEmpty={saveTried} />
          </div>

          <div className="card">
            <h2>Turns and sampling</h2>
            <div className="row-fields">
              <Field label="Turns" error={err('turns')} hint="Most model calls per row; empty = no limit, -1 = no limit.">
                <input
                  inputMode="numeric"
                  value={draft.turns}
                  onChange={(e) => patch({ turns: e.target.value })}
                  data-testid="turns-input"
                  placeholder="no limit"
                />
              </Field>
              <Field label="Temperature" error={err('temperature')} hint="0–2; empty = the model's default.">
                <input
                  inputMode="decimal"
                  value={draft.temperature}
                  onChange={(e) => patch({ temperature: e.target.value })}
                  data-testid="temperature-input"
                  placeholder="default"
                />
              </Field>
            </div>
            <details className="advanced">
              <summary>Advanced</summary>
              <div className="row-fields">
                <Field label="Max tokens per call" error={err('maxTokensPerCall')}>
                  <input
                    inputMode="numeric"
                    value={draft.maxTokensPerCall}
                    onChange={(e) => patch({ maxTokensPerCall: e.target.value })}
                    data-testid="max-tokens-call-input"
                    placeholder="default"
                  />
                </Field>
                <Field label="Price in (USD / M tokens)" error={err('priceIn')} hint="For models Rowrunner has no price for.">
                  <input inputMode="decimal" value={draft.priceIn} onChange={(e) => patch({ priceIn: e.target.value })} data-testid="price-in-input" />
                </Field>
                <Field label="Price out (USD / M tokens)" error={err('priceOut')}>
                  <input inputMode="decimal" value={draft.priceOut} onChange={(e) => patch({ priceOut: e.target.value })} data-testid="price-out-input" />
                </Field>
              </div>
            </details>
          </div>
        </div>

        <div className="agent-side">
          <PromptPreview draft={draft} />
        </div>
      </div>
    </section>
  );
}

const ENDPOINT_OPTIONS: Array<[EndpointKind, string]> = [
  ['simulated', 'Simulated (offline test endpoint)'],
  ['openai', 'OpenAI'],
  ['custom', 'Custom (OpenAI-compatible: Ollama, LM Studio, vLLM…)'],
];

function EndpointFields({ draft, err }: { draft: AgentDraft; err: (k: string) => string | undefined }) {
  const patch = useAgent((s) => s.patch);
  return (
    <>
      <div className="row-fields">
        <Field label={<>Endpoint <EndpointBadge kind={draft.endpoint === 'simulated' ? 'simulated' : null} /></>}>
          <select
            value={draft.endpoint}
            onChange={(e) => patch({ endpoint: e.target.value as EndpointKind })}
            data-testid="endpoint-select"
          >
            {ENDPOINT_OPTIONS.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        {draft.endpoint === 'custom' && (
          <Field label="Base URL" error={err('baseURL')} hint="e.g. http://localhost:11434/v1 (Ollama), http://localhost:1234/v1 (LM Studio)">
            <input
              value={draft.baseURL}
              onChange={(e) => patch({ baseURL: e.target.value })}
              data-testid="base-url-input"
              spellCheck={false}
              placeholder="http://localhost:11434/v1"
            />
          </Field>
        )}
      </div>
      {draft.endpoint === 'simulated' ? (
        <p className="muted small" data-testid="simulated-note">
          <strong>Simulated</strong>: answers are made up on this machine, instantly and for free. No key needed; nothing
          is sent anywhere. Use it to try an agent and a run before paying for a real model.
        </p>
      ) : (
        <KeyField draft={draft} />
      )}
    </>
  );
}

function KeyField({ draft }: { draft: AgentDraft }) {
  const info = useApp((s) => s.info);
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const endpoint = endpointOf(draft);
  const needsUrl = draft.endpoint === 'custom' && !endpoint.baseURL;
  // The core keeps custom keys by base URL without trailing slashes.
  const slot = endpoint.baseURL?.replace(/\/+$/, '');
  const isSet = draft.endpoint === 'openai' ? !!info?.keys.openai : !!(slot && info?.keys.custom[slot]);

  const save = async () => {
    if (!key.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await api.invoke('key:set', { endpoint, key: key.trim() });
      setKey('');
      await useApp.getState().loadInfo();
      useApp.getState().notify('API key saved.');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const clear = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.invoke('key:clear', { endpoint });
      await useApp.getState().loadInfo();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="key-field">
      <Field
        label={
          <>
            API key{' '}
            {isSet ? (
              <span className="badge ok" data-testid="key-status">
                Key set
              </span>
            ) : (
              <span className="badge" data-testid="key-status">
                {draft.endpoint === 'custom' ? 'No key (fine for most local servers)' : 'No key'}
              </span>
            )}
          </>
        }
        error={error ?? undefined}
        hint="Stored encrypted by the app; it is never shown again, only replaced."
      >
        <div className="inline">
          <input
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void save();
            }}
            placeholder={isSet ? 'Paste a new key to replace it' : 'Paste the key'}
            disabled={needsUrl || busy}
            data-testid="key-input"
          />
          <button type="button" onClick={() => void save()} disabled={!key.trim() || busy || needsUrl} data-testid="key-save">
            {isSet ? 'Replace key' : 'Save key'}
          </button>
          {isSet && (
            <button type="button" className="secondary" onClick={() => void clear()} disabled={busy} data-testid="key-clear">
              Forget
            </button>
          )}
        </div>
      </Field>
    </div>
  );
}

function PromptEditor({ draft, error }: { draft: AgentDraft; error: string | undefined }) {
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
            The CSV has no column {check.missing.map((c) => `{{${c}}}`).join(', ')}.
          </span>
        )}
        {!check.syntax && !check.missing.length && draft.prompt.trim() !== '' && (
          <span className="field-hint">Write {'{{column}}'} to put a row's value in; click a chip to insert one.</span>
        )}
      </div>
    </div>
  );
}

function PromptPreview({ draft }: { draft: AgentDraft }) {
  const dataset = useDataset((s) => s.dataset);
  const preview = useDataset((s) => s.preview);
  const [rowNo, setRowNo] = useState(1);
  const [fetched, setFetched] = useState<{ key: string; row: string[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const count = dataset?.rowCount ?? 0;
  const n = Math.min(Math.max(1, rowNo), Math.max(1, count));
  const key = `${dataset?.id}:${n}`;
  const local = preview && n - 1 < preview.length ? preview[n - 1] : null;
  const row = local ?? (fetched?.key === key ? fetched.row : null);

  useEffect(() => {
    if (!dataset || local || count === 0) return;
    let live = true;
    setError(null);
    const t = setTimeout(() => {
      api.invoke('dataset:rows', { datasetId: dataset.id, offset: n - 1, limit: 1 }).then(
        (res) => live && setFetched({ key, row: res.rows[0] ?? [] }),
        (e) => live && setError(errorText(e)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [dataset, local, key, n, count]);

  const record = useMemo(() => {
    if (!dataset || !row) return null;
    const r: Record<string, string> = {};
    dataset.columns.forEach((c, i) => (r[c] = row[i] ?? ''));
    return r;
  }, [dataset, row]);

  let body: ReactNode;
  let parts: ReturnType<typeof parseTemplate> | null = null;
  try {
    parts = parseTemplate(draft.prompt);
  } catch {
    parts = null;
  }
  if (!draft.prompt.trim()) body = <span className="muted">Write a prompt to see it here.</span>;
  else if (!parts) body = <span className="muted">Close every {'{{'} to see the prompt.</span>;
  else if (!dataset) body = <span className="muted">Import a CSV to see the prompt for a row.</span>;
  else if (count === 0) body = <span className="muted">The CSV has no rows.</span>;
  else if (!record) body = <span className="muted">Loading row {n}…</span>;
  else
    body = parts.map((p, i) =>
      'text' in p ? (
        <span key={i}>{p.text}</span>
      ) : p.column in record ? (
        <mark key={i} className="value" title={`{{${p.column}}}`}>
          {record[p.column]}
        </mark>
      ) : (
        <mark key={i} className="missing" title="No such column">
          {`{{${p.column}}}`}
        </mark>
      ),
    );

  return (
    <div className="card sticky">
      <div className="card-head">
        <h2>Preview</h2>
        <div className="inline row-picker">
          <button type="button" className="secondary" onClick={() => setRowNo(n - 1)} disabled={n <= 1} aria-label="Previous row">
            ‹
          </button>
          <label className="inline">
            Row
            <input
              type="number"
              min={1}
              max={Math.max(1, count)}
              value={n}
              onChange={(e) => setRowNo(Number(e.target.value) || 1)}
              data-testid="preview-row"
              className="narrow"
            />
            <span className="muted">of {count.toLocaleString('en-US')}</span>
          </label>
          <button type="button" className="secondary" onClick={() => setRowNo(n + 1)} disabled={n >= count} aria-label="Next row">
            ›
          </button>
        </div>
      </div>
      {error && <ErrorBox>{error}</ErrorBox>}
      {draft.systemMessage.trim() && (
        <>
          <div className="preview-label">System</div>
          <pre className="prompt-preview system">{draft.systemMessage}</pre>
        </>
      )}
      <div className="preview-label">User</div>
      <pre className="prompt-preview" data-testid="prompt-preview">
        {body}
      </pre>
      <OutputColumnsNote draft={draft} />
    </div>
  );
}

function OutputColumnsNote({ draft }: { draft: AgentDraft }) {
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

function OutputEditor({ draft, errors, showEmpty }: { draft: AgentDraft; errors: Record<string, string>; showEmpty: boolean }) {
  const patch = useAgent((s) => s.patch);
  const setField = (i: number, p: Partial<OutputField>) =>
    patch({ fields: draft.fields.map((f, j) => (j === i ? { ...f, ...p } : f)) });
  const addField = () => patch({ fields: [...draft.fields, { name: '', type: 'string', description: '' }] });
  const fieldErr = (k: string) => (showEmpty || errors[k] !== 'Name the field.' ? errors[k] : undefined);

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
                      aria-invalid={!!fieldErr(`fields.${i}.name`)}
                      data-testid={`field-name-${i}`}
                      spellCheck={false}
                    />
                    {fieldErr(`fields.${i}.name`) && <div className="field-error">{fieldErr(`fields.${i}.name`)}</div>}
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
          {showEmpty && errors.fields && <div className="field-error">{errors.fields}</div>}
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

function SaveLoad({ onSaveTried }: { onSaveTried: () => void }) {
  const draft = useAgent((s) => s.draft);
  const [saveError, setSaveError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const save = () => {
    onSaveTried();
    const { spec, errors } = buildSpec(draft);
    if (!spec) {
      setSaveError(`Fix first: ${Object.entries(errors).map(([k, v]) => `${k} — ${v}`).join('; ')}`);
      return;
    }
    setSaveError(null);
    downloadText(specToJson(spec), 'AGENT.json');
  };
  const load = async (file: File) => {
    const text = await file.text();
    const res = parseAgentFile(text);
    if (res.spec) {
      const current = useAgent.getState().draft.endpoint;
      useAgent.getState().setDraft(specToDraft(res.spec, current));
      useApp.getState().notify(`Loaded ${file.name}.`);
    } else {
      useAgent.getState().setLoadErrors([`${file.name}:`, ...res.errors]);
    }
  };
  return (
    <div className="inline">
      <button type="button" className="secondary" onClick={() => input.current?.click()} data-testid="agent-load-button">
        Load AGENT.json…
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        data-testid="agent-load-input"
        aria-label="Load an AGENT.json"
        onChange={(e) => {
          const f = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (f) void load(f);
        }}
      />
      <button type="button" onClick={save} data-testid="agent-save">
        Save AGENT.json
      </button>
      {saveError && (
        <div className="popover-error" role="alert" data-testid="agent-save-error">
          {saveError}
        </div>
      )}
    </div>
  );
}

function AgentLoadErrors() {
  const errors = useAgent((s) => s.loadErrors);
  if (!errors.length) return null;
  const [title, ...rest] = errors;
  return (
    <ErrorBox testId="agent-load-errors" onDismiss={() => useAgent.getState().setLoadErrors([])}>
      <strong>{title} not a valid agent; nothing was changed.</strong>
      <ul>
        {rest.map((e, i) => (
          <li key={i} data-testid="agent-load-error">
            {e}
          </li>
        ))}
      </ul>
    </ErrorBox>
  );
}
