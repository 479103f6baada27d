// The pieces of the batch scheduler that hold state across items: the pause gate and the controller a
// caller pauses, resumes or cancels with. The adaptive window (how many calls may be in flight) is in
// rate.ts, beside the rate gates it works with.
import { abortError } from './signals.ts';

/** Callers waiting their turn, first come first served; each leaves the line when its signal aborts. */
class WaitLine {
  private waiters: Array<() => void> = [];

  get length(): number {
    return this.waiters.length;
  }

  join(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  wakeFirst(): void {
    this.waiters.shift()?.();
  }

  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** While paused, `wait()` blocks; resume releases everyone. Each waiter aborts on its own signal. */
export class PauseGate {
  private pausedValue = false;
  private readonly line = new WaitLine();

  get paused(): boolean {
    return this.pausedValue;
  }

  pause(): void {
    this.pausedValue = true;
  }

  resume(): void {
    this.pausedValue = false;
    this.line.wakeAll();
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (!this.pausedValue) return Promise.resolve();
    return this.line.join(signal);
  }
}

/**
 * Counts the calls in flight against the window's size, which may change. A call over it waits its
 * turn, first come first served. Items may outnumber the window while some wait out a retry-after
 * (their slot is lent, see AdaptiveWindow), but their calls never do.
 */
export class CallSlots {
  private busy = 0;
  private readonly line = new WaitLine();
  private readonly limit: () => number;

  constructor(limit: () => number) {
    this.limit = limit;
  }

  /** Takes a slot if one is free and nobody waits for one. */
  tryTake(): boolean {
    if (this.line.length > 0 || this.busy >= this.limit()) return false;
    this.busy += 1;
    return true;
  }

  take(signal?: AbortSignal): Promise<void> {
    if (this.tryTake()) return Promise.resolve();
    return this.line.join(signal);
  }

  release(): void {
    this.busy -= 1;
    while (this.line.length > 0 && this.busy < this.limit()) {
      this.busy += 1;
      this.line.wakeFirst();
    }
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

  /** Lifts the pause; during the batch's own pause for an outage of the endpoint, tries it at once. */
  resume(): void {
    if (this.cancelledValue) return;
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
