// Abort helpers shared by the engine: every wait ends at once when its signal aborts.
import { setTimeout as sleepTimer } from 'node:timers/promises';

/** The error an aborted signal stands for: its reason when that is an Error, else an AbortError. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error(typeof reason === 'string' ? reason : 'aborted');
  e.name = 'AbortError';
  return e;
}

/** Waits ms, or rejects as soon as the signal aborts. A timer: it blocks nobody else. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw abortError(signal);
  if (ms <= 0) return;
  try {
    await sleepTimer(ms, undefined, { signal });
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    throw e;
  }
}
