// Tells an outage of the endpoint from the failures of single items. Items whose calls failed for
// the endpoint's sake (no connection, a timeout, a 5xx, after all their retries), several in a row,
// mean the endpoint is down: failing every remaining item one by one would only make work for a
// retry. The batch pauses instead, and this probes the endpoint with a growing delay until it
// answers again.
import { LlmCallError } from './llm.ts';

/** Items in a row whose final failure was the endpoint's before the batch pauses. */
export const OUTAGE_STREAK = 3;
export const PROBE_FIRST_MS = 1000;
export const PROBE_MAX_MS = 30_000;
/** How often one item may go back to the queue for an outage; past it, its failure is its own. */
export const MAX_REQUEUES = 3;

export interface Clock {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * A call that failed for good because the endpoint could not be reached, or answered with a server
 * error. A call that timed out is not one: a request that hangs is more often the row's than the
 * endpoint's (a row that hangs every time would otherwise pause the run and go back to the queue
 * again and again); it fails as its own, and it neither begins nor ends an outage.
 */
export function isEndpointFailure(error: unknown): boolean {
  return error instanceof LlmCallError && error.retryable && !error.timedOut && (error.status === 0 || error.status >= 500);
}

/** A call that timed out: it says nothing of the endpoint's health either way. */
export function isTimeout(error: unknown): boolean {
  return error instanceof LlmCallError && error.timedOut;
}

/** What the pause says, e.g. "the endpoint is not answering: paused (next try in 4 s)". */
export function outageNotice(retryInMs: number, lastError?: string): string {
  const next = `the endpoint is not answering: paused (next try in ${Math.max(1, Math.round(retryInMs / 1000))} s)`;
  return lastError ? `${next}; last error: ${lastError}` : next;
}

export interface EndpointHealthOptions {
  /** Whether the endpoint answers at all. A throw counts as no answer. */
  probe: () => Promise<boolean>;
  /** The outage began (hold the batch), or a probe went unanswered: the next probe is in retryInMs. */
  onWaiting: (retryInMs: number) => void;
  /** A probe was answered: the outage is over. */
  onAlive: () => void;
  streak?: number;
  firstMs?: number;
  maxMs?: number;
  clock?: Clock;
}

/**
 * The endpoint's health as a batch sees it. Items that failed for the endpoint are held until it is
 * clear whether it is down: if so, they go back to the queue (they did not fail); if another item
 * ends any other way, their failures are reported after all.
 */
export class EndpointHealth {
  private readonly options: EndpointHealthOptions;
  private readonly clock: Clock;
  private readonly threshold: number;
  private held: Array<{ index: number; report: () => void }> = [];
  private queue: number[] = [];
  private requeues = new Map<number, number>();
  private streak = 0;
  private outageValue = false;
  /**
   * The outage was begun by items that failed when nothing else was left to run, not by a streak:
   * they stay held until the first probe. Answered at once, the endpoint is up and their failures are
   * their own (a row that drops its connection every time); unanswered, they go back to the queue.
   */
  private alone = false;
  private delayMs = 0;
  private timer: unknown;
  // Bumped whenever an outage ends, so that a probe still under way from it is ignored.
  private generation = 0;

  constructor(options: EndpointHealthOptions) {
    this.options = options;
    this.clock = options.clock ?? realClock;
    this.threshold = options.streak ?? OUTAGE_STREAK;
  }

  get outage(): boolean {
    return this.outageValue;
  }

  /** Items back in the queue, to run before any new one. */
  get queued(): number {
    return this.queue.length;
  }

  /** Whether item `index`'s failure may be held (an item goes back to the queue MAX_REQUEUES times at most). */
  mayHold(index: number): boolean {
    return (this.requeues.get(index) ?? 0) < MAX_REQUEUES;
  }

  /**
   * Item `index` failed for the endpoint's sake; `report` reports its failure if the endpoint turns
   * out to be up. During an outage it goes back to the queue at once; the OUTAGE_STREAK-th in a row
   * begins an outage.
   */
  hold(index: number, report: () => void): void {
    if (this.outageValue) {
      this.requeue(index);
      return;
    }
    this.held.push({ index, report });
    this.streak += 1;
    if (this.streak >= this.threshold) this.begin();
  }

  /** Items are held for the endpoint's sake. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** Nothing else is running or left to start: only the first probe can tell whether the endpoint is down. */
  nothingElse(): void {
    if (this.held.length === 0 || this.outageValue) return;
    this.outageValue = true;
    this.alone = true;
    this.streak = 0;
    this.delayMs = this.options.firstMs ?? PROBE_FIRST_MS;
    this.schedule();
  }

  /** An item ended any other way: the endpoint is up, and the failures held are reported. */
  passed(): void {
    this.streak = 0;
    const held = this.held;
    this.held = [];
    for (const h of held) h.report();
  }

  /** The next item back in the queue. */
  next(): number | undefined {
    return this.queue.shift();
  }

  /** The batch ends: the items held or queued, which did not fail. */
  takeAll(): number[] {
    const all = [...this.queue, ...this.held.map((h) => h.index)];
    this.queue = [];
    this.held = [];
    this.end();
    return all;
  }

  private requeue(index: number): void {
    this.queue.push(index);
    this.requeues.set(index, (this.requeues.get(index) ?? 0) + 1);
  }

  /** Begins an outage: probes after PROBE_FIRST_MS, then twice as long each time, up to PROBE_MAX_MS. */
  private begin(): void {
    if (this.outageValue) return;
    for (const h of this.held) this.requeue(h.index);
    this.held = [];
    this.outageValue = true;
    this.alone = false;
    this.streak = 0;
    this.delayMs = this.options.firstMs ?? PROBE_FIRST_MS;
    this.schedule();
  }

  /** Ends an outage without a probe (a user's resume, the batch's end): nothing more is probed. */
  end(): void {
    this.generation += 1;
    this.outageValue = false;
    this.alone = false;
    this.streak = 0;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const generation = this.generation;
    const wait = this.delayMs;
    this.timer = this.clock.setTimeout(() => void this.probe(generation), wait);
    this.options.onWaiting(wait);
  }

  private async probe(generation: number): Promise<void> {
    this.timer = undefined;
    let alive = false;
    try {
      alive = await this.options.probe();
    } catch {
      alive = false;
    }
    if (generation !== this.generation || !this.outageValue) return;
    if (this.alone) {
      this.alone = false;
      const held = this.held;
      this.held = [];
      if (alive) for (const h of held) h.report();
      else for (const h of held) this.requeue(h.index);
    }
    if (alive) {
      this.end();
      this.options.onAlive();
      return;
    }
    this.delayMs = Math.min(this.options.maxMs ?? PROBE_MAX_MS, this.delayMs * 2);
    this.schedule();
  }
}
