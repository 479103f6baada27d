import { useMemo } from 'react';
import { Field } from '../../components/ui.tsx';
import { useAgent } from '../../store/agent.ts';
import { AgentLoadErrors } from './AgentLoadErrors.tsx';
import { EndpointFields } from './EndpointFields.tsx';
import { OutputEditor } from './OutputEditor.tsx';
import { PromptEditor } from './PromptEditor.tsx';
import { PromptPreview } from './PromptPreview.tsx';
import { SaveLoad } from './SaveLoad.tsx';
import { buildSpec, DEFAULT_TURNS } from './spec.ts';

export function AgentScreen() {
  const draft = useAgent((s) => s.draft);
  const patch = useAgent((s) => s.patch);
  const saveTried = useAgent((s) => s.saveTried);
  const { errors } = useMemo(() => buildSpec(draft), [draft]);
  // Empty-field complaints wait until the user tries to save; the rest show at once.
  const err = (key: string): string | undefined => {
    const issue = errors[key];
    return issue && (saveTried || issue.kind !== 'required') ? issue.text : undefined;
  };

  return (
    <section className="screen" aria-labelledby="agent-title">
      <div className="screen-head">
        <h1 id="agent-title">Agent</h1>
        <p className="muted">What the model is asked for each row, and what it answers.</p>
        <span className="spacer" />
        <SaveLoad />
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
            <OutputEditor draft={draft} err={err} />
          </div>

          <div className="card">
            <h2>Turns and sampling</h2>
            <div className="row-fields">
              <Field label="Turns" error={err('turns')} hint={`Most model calls per row (a new agent: ${DEFAULT_TURNS}); empty or -1 = no limit.`}>
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
                <Field label="Price cached in (USD / M tokens)" error={err('priceCached')} hint="A repeated prompt prefix the provider caches.">
                  <input inputMode="decimal" value={draft.priceCached} onChange={(e) => patch({ priceCached: e.target.value })} data-testid="price-cached-input" />
                </Field>
                <Field label="Context window (tokens)" error={err('contextWindow')} hint="For models Rowrunner has no table entry for.">
                  <input inputMode="numeric" value={draft.contextWindow} onChange={(e) => patch({ contextWindow: e.target.value })} data-testid="context-window-input" placeholder="default" />
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
