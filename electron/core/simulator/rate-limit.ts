// A requests-per-minute limit over a sliding 60 s window, as OpenAI reports it in x-ratelimit-*.
// A shorter window keeps the rate and scales the allowance with it (600 rpm over 6 s: 60 requests
// per 6 s), so a test sees a client settle into the limit in seconds rather than minutes.

const WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  /** Requests per minute (what x-ratelimit-limit-requests reports), whatever the window. */
  limit: number;
  /** Requests left in the current window. */
  remaining: number;
  /** Until a slot frees up (allowed: until the window is empty of the oldest request). */
  resetMs: number;
}

export class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  /**
   * Admits one request at `now` if fewer than rpm × windowMs / 60 s were admitted in the last
   * windowMs (default 60 s: fewer than rpm). Rejected requests do not count.
   */
  take(now: number, rpm: number, windowMs: number = WINDOW_MS): RateDecision {
    const times = this.times;
    while (this.head < times.length && times[this.head] <= now - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > times.length) {
      this.times = times.slice(this.head);
      this.head = 0;
    }
    const used = this.times.length - this.head;
    const limit = Math.max(0, Math.floor(rpm));
    const allowance = windowMs === WINDOW_MS ? limit : Math.max(0, Math.floor((rpm * windowMs) / WINDOW_MS));
    if (used >= allowance) {
      const oldest = used > 0 ? this.times[this.head] : now;
      return { allowed: false, limit, remaining: 0, resetMs: Math.max(1, oldest + windowMs - now) };
    }
    this.times.push(now);
    const oldest = this.times[this.head];
    return { allowed: true, limit, remaining: allowance - used - 1, resetMs: Math.max(0, oldest + windowMs - now) };
  }
}

/** OpenAI's duration format for x-ratelimit-reset-*: "1s", "6m0s", "250ms". */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const s = Math.ceil(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}
