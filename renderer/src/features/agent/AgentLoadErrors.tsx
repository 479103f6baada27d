import { ErrorBox } from '../../components/ui.tsx';
import { useAgent } from '../../store/agent.ts';

export function AgentLoadErrors() {
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
