import { EndpointBadge, Field } from '../../components/ui.tsx';
import { useAgent } from '../../store/agent.ts';
import { KeyField } from './KeyField.tsx';
import { TestConnection } from './TestConnection.tsx';
import type { AgentDraft, EndpointKind } from './spec.ts';

const ENDPOINT_OPTIONS: Array<[EndpointKind, string]> = [
  ['simulated', 'Simulated (offline test endpoint)'],
  ['openai', 'OpenAI'],
  ['custom', 'Custom (OpenAI-compatible: Ollama, LM Studio, vLLM…)'],
];

export function EndpointFields({ draft, err }: { draft: AgentDraft; err: (k: string) => string | undefined }) {
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
      {draft.endpoint === 'custom' && <TestConnection baseURL={draft.baseURL} />}
    </>
  );
}

