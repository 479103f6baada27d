import { useState } from 'react';
import { Field } from '../../components/ui.tsx';
import { useApp } from '../../store/app.ts';
import { useKeys } from '../../store/keys.ts';
import { endpointOf, type AgentDraft } from './spec.ts';

export function KeyField({ draft }: { draft: AgentDraft }) {
  const info = useApp((s) => s.info);
  const busy = useKeys((s) => s.busy);
  const error = useKeys((s) => s.error);
  const [key, setKey] = useState('');
  const endpoint = endpointOf(draft);
  const needsUrl = draft.endpoint === 'custom' && !endpoint.baseURL;
  // The core keeps custom keys by base URL without trailing slashes.
  const slot = endpoint.baseURL?.replace(/\/+$/, '');
  const isSet = draft.endpoint === 'openai' ? !!info?.keys.openai : !!(slot && info?.keys.custom[slot]);

  const save = async () => {
    if (!key.trim()) return;
    if (await useKeys.getState().save(endpoint, key)) setKey('');
  };
  const clear = () => void useKeys.getState().clear(endpoint);

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
            <button type="button" className="secondary" onClick={clear} disabled={busy} data-testid="key-clear">
              Forget
            </button>
          )}
        </div>
      </Field>
    </div>
  );
}

