// The OpenAI endpoint with no key saved: said before Start, not after it fails.
import { useAgent } from '../../store/agent.ts';
import { useApp } from '../../store/app.ts';

export function KeyNotice() {
  const endpoint = useAgent((s) => s.draft.endpoint);
  const info = useApp((s) => s.info);
  const go = useApp((s) => s.go);
  if (endpoint !== 'openai' || !info || info.keys.openai) return null;
  return (
    <div className="blockers" role="status" data-testid="run-key-notice">
      <strong>No OpenAI API key is saved.</strong> A run on OpenAI needs one: add it on the Agent screen (or choose the
      Simulated endpoint to try the run for free).
      <div className="row-actions">
        <button type="button" className="secondary" onClick={() => go('agent')} data-testid="run-key-notice-agent">
          Add a key on the Agent screen
        </button>
      </div>
    </div>
  );
}
