// "Test connection" for a custom endpoint: one call to its /models with the key saved for it.
import { useState } from 'react';
import { api } from '../../api.ts';
import { errorText } from '../../bridge.ts';

export function TestConnection({ baseURL }: { baseURL: string }) {
  const [state, setState] = useState<{ busy: boolean; result: { ok: boolean; message: string } | null }>({ busy: false, result: null });
  const test = async () => {
    setState({ busy: true, result: null });
    try {
      setState({ busy: false, result: await api.invoke('endpoint:test', { endpoint: { kind: 'custom', baseURL: baseURL.trim() } }) });
    } catch (e) {
      setState({ busy: false, result: { ok: false, message: errorText(e) } });
    }
  };
  return (
    <div className="row-actions">
      <button type="button" className="secondary" onClick={() => void test()} disabled={state.busy || !baseURL.trim()} data-testid="test-connection">
        {state.busy ? 'Testing…' : 'Test connection'}
      </button>
      {state.result && (
        <span className={state.result.ok ? 'small' : 'small field-error'} role="status" data-testid="test-connection-result">
          {state.result.ok ? '✓ ' : '✗ '}
          {state.result.message}
        </span>
      )}
    </div>
  );
}
