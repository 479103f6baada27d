// A requests-per-minute limit over a sliding 60 s window, as OpenAI reports it in x-ratelimit-*.

const WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Until a slot frees up (allowed: until the window is empty of the oldest request). */
  resetMs: number;
}

export class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  /** Admits one request at `now` if fewer than `rpm` were admitted in the last 60 s. Rejected requests do not count. */
  take(now: number, rpm: number): RateDecision {
    const times = this.times;
    while (this.head < times.length && times[this.head] <= now - WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > times.length) {
      this.times = times.slice(this.head);
      this.head = 0;
    }
    const used = this.times.length - this.head;
    const limit = Math.max(0, Math.floor(rpm));
    if (used >= limit) {
      const oldest = used > 0 ? this.times[this.head] : now;
      return { allowed: false, limit, remaining: 0, resetMs: Math.max(1, oldest + WINDOW_MS - now) };
    }
    this.times.push(now);
    const oldest = this.times[this.head];
    return { allowed: true, limit, remaining: limit - used - 1, resetMs: Math.max(0, oldest + WINDOW_MS - now) };
  }
}

/** OpenAI's duration format for x-ratelimit-reset-*: "1s", "6m0s", "250ms". */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const s = Math.ceil(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}
