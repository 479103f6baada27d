// Small pieces every screen uses.
import type { ReactNode } from 'react';
import type { ItemStatus } from '../../../shared/domain.ts';
import type { EndpointKind } from '../features/agent/spec.ts';

export const ENDPOINT_LABEL: Record<EndpointKind, string> = {
  simulated: 'Simulated',
  openai: 'OpenAI',
  custom: 'Custom',
};

export function EndpointBadge({ kind, testId }: { kind: EndpointKind | null; testId?: string }) {
  if (!kind) return null;
  return (
    <span
      className={`badge endpoint-${kind}`}
      data-testid={testId}
      title={kind === 'simulated' ? 'The built-in offline test endpoint: answers are made up, nothing is sent anywhere.' : undefined}
    >
      {ENDPOINT_LABEL[kind]}
    </span>
  );
}

export function ItemStatusPill({ status }: { status: ItemStatus }) {
  return (
    <span className={`pill item-${status}`} data-status={status}>
      {status}
    </span>
  );
}

export function ErrorBox({ children, testId, onDismiss }: { children: ReactNode; testId?: string; onDismiss?: () => void }) {
  return (
    <div className="error-box" role="alert" data-testid={testId}>
      <div className="error-text">{children}</div>
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss">
          ✕
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Spinner({ label }: { label?: string }) {
  return (
    <span className="spinner-wrap" role="status">
      <span className="spinner" aria-hidden="true" />
      {label && <span>{label}</span>}
    </span>
  );
}

/** A labelled control with its error under it. */
export function Field({
  label,
  error,
  hint,
  children,
  className,
}: {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <label className={`field ${error ? 'has-error' : ''} ${className ?? ''}`}>
      <span className="field-label">{label}</span>
      {children}
      {hint && !error && <span className="field-hint">{hint}</span>}
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return <kbd>{children}</kbd>;
}

export const MOD = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';
