// The run setup form and its translation to RunOptions. Numbers are kept as typed ('' = not set); the
// rules are RunOptionsSchema's, so the form says what the core would.
import { runOptionLabel } from '../../../../shared/labels.ts';
import { DEFAULT_BATCH_SIZE, RunOptionsSchema, type OnError, type RunOptions } from '../../../../shared/domain.ts';
import { numberText, validate } from '../../../../shared/validation.ts';

export interface OptionsDraft {
  batchSize: string;
  sequential: boolean;
  onError: OnError;
  maxCost: string;
  maxTokens: string;
  rpm: string;
  tpm: string;
  /** Answer rows already answered (in any run over this database) from the response cache. Absent: on. */
  cache?: boolean;
}

export function defaultOptions(): OptionsDraft {
  return { batchSize: String(DEFAULT_BATCH_SIZE), sequential: false, onError: 'continue', maxCost: '', maxTokens: '', rpm: '', tpm: '' };
}

/** The RunOptions of the form, or one message per wrong field, keyed by the field ("Batch size must be above 0"). */
export function buildOptions(d: OptionsDraft): { options: RunOptions | null; errors: Record<string, string> } {
  const input = {
    batchSize: numberText(d.batchSize),
    sequential: d.sequential,
    onError: d.onError,
    maxCost: numberText(d.maxCost),
    maxTokens: numberText(d.maxTokens),
    rpm: numberText(d.rpm),
    tpm: numberText(d.tpm),
    // Only the exception is written: a run without the option has the cache on.
    cache: d.cache === false ? false : undefined,
  };
  const parsed = validate(RunOptionsSchema, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)), runOptionLabel);
  if (parsed.data) return { options: parsed.data, errors: {} };
  const errors: Record<string, string> = {};
  for (const issue of parsed.issues) errors[issue.path || 'options'] ??= issue.text;
  return { options: null, errors };
}
