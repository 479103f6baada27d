// Fault injection: random faults drawn per request from a PRNG seeded by (seed, request number), so
// a run is reproducible, and the per-prompt counters behind the `[[status:NxK]]` and
// `[[badargsxK]]` directives.

import { mixInts, prng } from './hash.ts';
import type { FaultRates } from './types.ts';

export type Fault = 'drop' | 'hang' | 'error500' | 'rateLimit429' | 'malformedToolArgs';

const ORDER: Fault[] = ['drop', 'hang', 'error500', 'rateLimit429', 'malformedToolArgs'];

/** The PRNG for request number `n` (1-based) of a simulator seeded with `seed`. */
export function requestRandom(seed: number, n: number): () => number {
  return prng(mixInts(seed, n));
}

/**
 * The random fault for a uniform draw `r` in [0, 1): the rates are stacked in a fixed order, so each
 * fault happens with its own rate (as long as the rates sum to at most 1).
 */
export function drawFault(rates: FaultRates | undefined, r: number): Fault | null {
  if (!rates) return null;
  let edge = 0;
  for (const fault of ORDER) {
    const rate = rates[fault];
    if (typeof rate !== 'number' || !(rate > 0)) continue;
    edge += Math.min(1, rate);
    if (r < edge) return fault;
  }
  return null;
}

/** Counts, per prompt, the requests that met a counted directive. */
export class PromptCounters {
  private readonly counts = new Map<string, number>();

  /** Counts one more for (kind, prompt) and returns the new count (1 for the first). */
  next(kind: string, prompt: string): number {
    const key = `${kind}\u0000${prompt}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }
}
