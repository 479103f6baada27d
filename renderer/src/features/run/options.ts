// The run setup form and its translation to RunOptions. Numbers are kept as typed ('' = not set).
import { RunOptionsSchema, type OnError, type RunOptions } from '../../../../shared/domain.ts';

export interface OptionsDraft {
  batchSize: string;
  sequential: boolean;
  onError: OnError;
  maxCost: string;
  maxTokens: string;
  rpm: string;
  tpm: string;
}

export function defaultOptions(): OptionsDraft {
  return { batchSize: '8', sequential: false, onError: 'continue', maxCost: '', maxTokens: '', rpm: '', tpm: '' };
}

export function buildOptions(d: OptionsDraft): { options: RunOptions | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const num = (key: keyof OptionsDraft, text: string, integer: boolean): number | undefined => {
    const t = text.trim();
    if (!t) return undefined;
    const n = Number(t);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      errors[key] = integer ? 'A whole number above 0.' : 'A number above 0.';
      return undefined;
    }
    return n;
  };
  const batchSize = num('batchSize', d.batchSize, true);
  if (batchSize !== undefined && batchSize > 4096) errors.batchSize = 'At most 4096.';
  const raw = {
    batchSize: batchSize ?? 8,
    sequential: d.sequential,
    onError: d.onError,
    maxCost: num('maxCost', d.maxCost, false),
    maxTokens: num('maxTokens', d.maxTokens, true),
    rpm: num('rpm', d.rpm, false),
    tpm: num('tpm', d.tpm, false),
  };
  if (Object.keys(errors).length) return { options: null, errors };
  const parsed = RunOptionsSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    for (const i of parsed.error.issues) errors[i.path.join('.') || 'options'] = i.message;
    return { options: null, errors };
  }
  return { options: parsed.data, errors };
}
