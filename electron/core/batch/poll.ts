// When to look at batches in flight again: soon at first (a small batch may be done in seconds),
// then less and less often, never more than a minute apart.
import { abortError } from '../engine/signals.ts';

export interface PollSchedule {
  firstMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_POLL: PollSchedule = Object.freeze({ firstMs: 2000, maxMs: 60_000, factor: 2 });

/** The wait before look number n (0 = the first look after submitting). */
export function pollDelayMs(n: number, schedule: PollSchedule = DEFAULT_POLL): number {
  return Math.min(schedule.maxMs, Math.round(schedule.firstMs * schedule.factor ** n));
}

/**
 * Calls `look` on the schedule until it returns true or `signal` aborts (which rejects with the
 * abort's reason and leaves the batches running at the provider).
 */
export async function pollUntil(look: () => Promise<boolean>, signal?: AbortSignal, schedule: PollSchedule = DEFAULT_POLL): Promise<void> {
  for (let n = 0; ; n++) {
    await sleep(pollDelayMs(n, schedule), signal);
    if (await look()) return;
  }
}

/** A wait on the global setTimeout (which fake timers replace, so a test of the schedule needs no clock). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
