import { useRef } from 'react';
import { useAgent } from '../../store/agent.ts';

export function SaveLoad() {
  const saveError = useAgent((s) => s.saveError);
  const input = useRef<HTMLInputElement>(null);
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
          if (f) void useAgent.getState().load(f);
        }}
      />
      <button type="button" onClick={() => useAgent.getState().save()} data-testid="agent-save">
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

