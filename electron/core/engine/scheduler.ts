// The pieces of the batch scheduler that hold state across items: the adaptive window (how many
// items may be in flight), the pause gate, and the controller a caller pauses, resumes or cancels with.
import { abortError } from './signals.ts';

/** How many recent answers the window weighs a 429 against. */
const THROTTLE_SAMPLE = 20;
/** 429s among them that show an overload rather than a sporadic rejection (a quarter). */
const THROTTLE_OVERLOAD = 5;

/**
 * AIMD concurrency: when the server throttles a quarter of the recent calls (5 of the last 20
 * answers to calls sent since the window last shrank) the window halves (not below 1), and every
 * window-worth of successful calls grows it by one, back up to the maximum.
 *
 * A sporadic 429 does not shrink it: a server that rejects one call in twenty at random would
 * otherwise hold a window of 64 near 5 (halved every twenty calls, grown by one every window), a
 * tenth of the throughput, while each rejected call already waits out its retry-after. 429s from
 * calls sent before the last decrease do not count, so one overload halves the window once.
 */
export class AdaptiveWindow {
  readonly max: number;
  private limitValue: number;
  private successes = 0;
  private lastDecrease = -Infinity;
  /** The latest answers since the last decrease: true for a 429. A ring of THROTTLE_SAMPLE. */
  private readonly recent: boolean[] = [];
  private recentAt = 0;
  private recentThrottled = 0;

  constructor(max: number) {
    this.max = Math.max(1, Math.floor(max));
    this.limitValue = this.max;
  }

  get limit(): number {
    return this.limitValue;
  }

  private record(throttled: boolean): void {
    if (this.recent.length < THROTTLE_SAMPLE) this.recent.push(throttled);
    else {
      if (this.recent[this.recentAt]) this.recentThrottled -= 1;
      this.recent[this.recentAt] = throttled;
      this.recentAt = (this.recentAt + 1) % THROTTLE_SAMPLE;
    }
    if (throttled) this.recentThrottled += 1;
  }

  /** A call succeeded. True when the window grew. */
  onSuccess(): boolean {
    this.record(false);
    if (this.limitValue >= this.max) return false;
    this.successes += 1;
    if (this.successes < this.limitValue) return false;
    this.successes = 0;
    this.limitValue += 1;
    return true;
  }

  /** A call sent at `sentAt` (performance.now()) was throttled (429). True when the window shrank. */
  onThrottle(sentAt: number): boolean {
    if (sentAt < this.lastDecrease) return false;
    this.record(true);
    if (this.recentThrottled < THROTTLE_OVERLOAD) return false;
    this.lastDecrease = performance.now();
    this.successes = 0;
    this.recent.length = 0;
    this.recentAt = 0;
    this.recentThrottled = 0;
    const next = Math.max(1, Math.floor(this.limitValue / 2));
    const changed = next !== this.limitValue;
    this.limitValue = next;
    return changed;
  }
}

/** While paused, `wait()` blocks; resume releases everyone. Each waiter aborts on its own signal. */
export class PauseGate {
  private pausedValue = false;
  private waiters: Array<{ resolve: () => void }> = [];

  get paused(): boolean {
    return this.pausedValue;
  }

  pause(): void {
    this.pausedValue = true;
  }

  resume(): void {
    this.pausedValue = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (!this.pausedValue) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const entry = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== entry);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(entry);
    });
  }
}

export type ControlListener = (action: 'pause' | 'resume' | 'cancel') => void;

/** Pauses, resumes or cancels a running batch (pass it as the `control` option). */
export class BatchController {
  private pausedValue = false;
  private cancelledValue = false;
  private listeners = new Set<ControlListener>();

  get paused(): boolean {
    return this.pausedValue;
  }

  get cancelled(): boolean {
    return this.cancelledValue;
  }

  /** No new item and no new LLM call starts; calls in flight finish. */
  pause(): void {
    if (this.pausedValue || this.cancelledValue) return;
    this.pausedValue = true;
    this.emit('pause');
  }

  resume(): void {
    if (!this.pausedValue || this.cancelledValue) return;
    this.pausedValue = false;
    this.emit('resume');
  }

  /** Aborts the calls in flight; items not started are skipped as 'cancelled'. */
  cancel(): void {
    if (this.cancelledValue) return;
    this.cancelledValue = true;
    this.emit('cancel');
  }

  /** For the engine: be told of every action. Returns the unsubscribe. */
  subscribe(listener: ControlListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(action: 'pause' | 'resume' | 'cancel'): void {
    for (const l of [...this.listeners]) l(action);
  }
}
