// Runs that build on each other: the rows a rerun names, the kinds of failure a retry can pick, and an
// item's earlier attempts as the item detail shows them.
import { z } from 'zod';
import { TranscriptMessageSchema } from './domain.ts';

/**
 * Why a failed item failed, from the last call of its latest attempt. 'infra': the endpoint gave no
 * usable answer (network, timeout, 429, 5xx); 'invalid': it answered and the answer failed validation;
 * 'refused': it refused the request (400, 401, 404…).
 */
export const FailureKindSchema = z.enum(['infra', 'invalid', 'refused']);
export type FailureKind = z.infer<typeof FailureKindSchema>;
/** The kinds a retry can be limited to. */
export const RetryKindSchema = z.enum(['infra', 'invalid']);
export type RetryKind = z.infer<typeof RetryKindSchema>;

export const FailureCountsSchema = z.object({ infra: z.number().int(), invalid: z.number().int(), refused: z.number().int() });
export type FailureCounts = z.infer<typeof FailureCountsSchema>;

export const EarlierAttemptSchema = z.object({
  attempt: z.number().int(),
  status: z.enum(['done', 'failed']),
  output: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  transcript: z.array(TranscriptMessageSchema),
  finishedAt: z.string().nullable(),
});
export type EarlierAttempt = z.infer<typeof EarlierAttemptSchema>;

/** The most rows a rows spec may name (a range of a million rows is fine; a typo of 10^12 is not). */
export const MAX_ROWS_SPEC = 5_000_000;

/**
 * Reads a rows spec such as "3,7-9": row numbers as Results and exports show them (1 = the CSV's first
 * data row), single or as ranges, comma-separated; `count` is the run's row count. Returns the item
 * indexes (0-based), rising and without repeats, or throws an Error saying what is wrong and where.
 */
export function parseRowsSpec(spec: string, count: number): number[] {
  const parts = spec.split(',').map((p) => p.trim());
  if (spec.trim() === '' || parts.some((p) => p === '')) throw new Error(`"${spec}" is not a list of rows such as 3,7-9 (an empty part)`);
  const rows = new Set<number>();
  for (const part of parts) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a row number or a range such as 7-9`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`the range "${part}" runs backwards (write ${to}-${from})`);
    if (from < 1) throw new Error(`row ${from} does not exist: rows are numbered from 1`);
    if (to > count) throw new Error(`row ${to} is out of range: the run has ${count} row${count === 1 ? '' : 's'} (1-${count})`);
    if (rows.size + (to - from + 1) > MAX_ROWS_SPEC) throw new Error(`more than ${MAX_ROWS_SPEC} rows`);
    for (let r = from; r <= to; r++) rows.add(r - 1);
  }
  return [...rows].sort((a, b) => a - b);
}
