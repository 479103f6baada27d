// Throttles applied before each LLM attempt: requests-per-minute and tokens-per-minute token
// buckets (configured, or learned from the server's x-ratelimit-limit-* headers), and holds that stop
// all sending until the server's window frees up (x-ratelimit-remaining-* at zero, counting the calls
// we sent since, or a 429 that reports the account's limit); and the adaptive window, how many calls a
// batch keeps in flight.
import type { CallReport } from './llm.ts';
import { abortError, sleep } from './signals.ts';

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A token bucket refilled continuously at `perMinute / 60` tokens a second. Waiters are served in
 * order (no stampede when tokens come back), each aborts at once on its own signal.
 */
export class TokenBucket {
  private ratePerMs: number;
  private capacityValue: number;
  private tokens: number;
  private last: number;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;

  /** capacity: the most tokens it holds (the largest burst); default one second's worth, at least 1. */
  constructor(perMinute: number, capacity?: number) {
    this.ratePerMs = perMinute / 60_000;
    this.capacityValue = capacity ?? Math.max(1, perMinute / 60);
    this.tokens = this.capacityValue;
    this.last = performance.now();
  }

  get perMinute(): number {
    return this.ratePerMs * 60_000;
  }

  get capacity(): number {
    return this.capacityValue;
  }

  setRate(perMinute: number, capacity?: number): void {
    this.refill();
    this.ratePerMs = perMinute / 60_000;
    this.capacityValue = capacity ?? Math.max(1, perMinute / 60);
    this.tokens = Math.min(this.tokens, this.capacityValue);
    this.reschedule();
  }

  /** Tokens available now (may be negative after an adjustment). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Gives back (positive) or takes more (negative) tokens, e.g. when the real usage is known. */
  adjust(delta: number): void {
    this.refill();
    this.tokens = Math.min(this.capacityValue, this.tokens + delta);
    this.reschedule();
  }

  /** Takes n tokens, waiting as needed. More than the capacity waits for a full bucket and goes below 0. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.queue.length === 0 && this.tryTake(n)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { n, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(abortError(signal));
          this.reschedule();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.reschedule();
    });
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacityValue, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
  }

  private tryTake(n: number): boolean {
    this.refill();
    const need = Math.min(n, this.capacityValue);
    if (this.tokens + 1e-9 < need) return false;
    this.tokens -= n;
    return true;
  }

  private reschedule(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.queue.length > 0 && this.tryTake(this.queue[0].n)) {
      const w = this.queue.shift()!;
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    if (this.queue.length === 0) return;
    const need = Math.min(this.queue[0].n, this.capacityValue) - this.tokens;
    const wait = this.ratePerMs > 0 ? Math.max(1, Math.ceil(need / this.ratePerMs)) : 1000;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reschedule();
    }, wait);
  }
}

export interface RateGateOptions {
  /** Requests per minute; learned from x-ratelimit-limit-requests when absent. */
  rpm?: number;
  /** Tokens per minute; learned from x-ratelimit-limit-tokens when absent. */
  tpm?: number;
  /** The share of a learned limit to use, default 0.95: a little headroom for clocks and stragglers. */
  headroom?: number;
}

/** Handed out by acquire, given back with the attempt's report. */
export interface Ticket {
  seq: number;
  sentAt: number;
  estimate: number;
}

/** Rate limits shared by every call of a batch. */
export class RateGate {
  private readonly userRpm?: number;
  private readonly userTpm?: number;
  private readonly headroom: number;
  private requests?: TokenBucket;
  private tokens?: TokenBucket;
  private sent = 0;
  private holdUntil = 0;
  /** Learned from the server, for reporting. */
  learnedRpm?: number;
  learnedTpm?: number;

  constructor(options: RateGateOptions = {}) {
    this.userRpm = options.rpm;
    this.userTpm = options.tpm;
    this.headroom = options.headroom ?? 0.95;
    if (options.rpm) this.requests = new TokenBucket(options.rpm);
    if (options.tpm) this.tokens = new TokenBucket(options.tpm);
  }

  /** Time left on a hold, ms. */
  holdRemainingMs(now = performance.now()): number {
    return Math.max(0, this.holdUntil - now);
  }

  /** Stops all sending for ms (from now), unless a longer hold is already on. */
  hold(ms: number): void {
    this.holdUntil = Math.max(this.holdUntil, performance.now() + ms);
  }

  /**
   * The ticket at once when nothing can hold a call back (no hold, no request or token bucket):
   * what acquire would give after a turn of the event loop. Else undefined: call acquire.
   */
  tryAcquire(estimatedTokens: number): Ticket | undefined {
    if (this.requests || this.tokens || this.holdRemainingMs() > 0) return undefined;
    return { seq: ++this.sent, sentAt: performance.now(), estimate: estimatedTokens };
  }

  /** Waits until a call may be sent: holds, then the request and token buckets. */
  async acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Ticket> {
    for (;;) {
      const held = this.holdRemainingMs();
      if (held > 0) {
        await sleep(held, signal);
        continue;
      }
      if (this.requests) await this.requests.take(1, signal);
      if (this.tokens) await this.tokens.take(estimatedTokens, signal);
      if (this.holdRemainingMs() > 0) continue;
      return { seq: ++this.sent, sentAt: performance.now(), estimate: estimatedTokens };
    }
  }

  /** Learns from an attempt's outcome. */
  report(ticket: Ticket, report: CallReport): void {
    if (this.tokens) {
      const used = report.promptTokens + report.completionTokens;
      // A rejected call (no usage reported) used none of the token budget.
      this.tokens.adjust(ticket.estimate - used);
    }
    const info = report.rateLimit;
    if (!info) return;
    if (info.limitRequests !== undefined && info.limitRequests > 0) {
      this.learnedRpm = info.limitRequests;
      const rpm = Math.min(this.userRpm ?? Infinity, info.limitRequests * this.headroom);
      if (!this.requests) this.requests = new TokenBucket(rpm, Math.max(1, rpm / 60));
      else if (Math.abs(this.requests.perMinute - rpm) > 1e-6) this.requests.setRate(rpm);
    }
    if (info.limitTokens !== undefined && info.limitTokens > 0) {
      this.learnedTpm = info.limitTokens;
      const tpm = Math.min(this.userTpm ?? Infinity, info.limitTokens * this.headroom);
      if (!this.tokens) this.tokens = new TokenBucket(tpm);
      else if (Math.abs(this.tokens.perMinute - tpm) > 1e-6) this.tokens.setRate(tpm);
    }
    // Calls we sent after this one were (very likely) counted after it by the server.
    const sentSince = this.sent - ticket.seq;
    if (info.remainingRequests !== undefined) {
      const left = info.remainingRequests - sentSince;
      if (left <= 0 || (report.status === 429 && info.remainingRequests === 0)) {
        const ms = report.status === 429 && report.retryAfterMs !== undefined ? report.retryAfterMs : info.resetRequestsMs;
        if (ms !== undefined) this.hold(Math.min(ms, 60_000));
      }
    }
    if (info.remainingTokens !== undefined && info.resetTokensMs !== undefined) {
      if (info.remainingTokens - sentSince * ticket.estimate <= 0) this.hold(Math.min(info.resetTokensMs, 60_000));
    }
  }
}

/**
 * How many recent answers the window weighs 429s against: enough that the 429s of rows whose
 * retries fall together (after a stall, say) stay a small share of it.
 */
const ANSWER_SAMPLE = 100;
/** 429s among them that show a sustained overload rather than sporadic rejections: 30%. */
const OVERLOAD_429S = 30;

/** What the window learns from one answered attempt. */
export interface WindowAnswer {
  /** When the call was sent, on the window's clock. */
  sentAt: number;
  ok: boolean;
  status: number;
  /** The wait before this call is tried again, when it is. */
  retryInMs?: number;
  /** The answer's x-ratelimit-remaining-requests. */
  remainingRequests?: number;
}

/**
 * How many calls a batch keeps in flight: the window's size, decided only from the answers it is
 * told about, on an injected clock.
 *
 * It halves (not below 1) when the limit is shown to be reached: when 429s are a sustained share of
 * the recent answers (30 of the last 100 to calls sent since it last shrank) or when an answer says
 * no request is left (x-ratelimit-remaining-requests: 0). Answers to calls sent before the last
 * decrease do not count, so one overload halves it once. Every quarter-window of successes grows it
 * back by one, so a halved window of 32 is whole again after about a hundred answers.
 *
 * A sporadic 429 does not shrink it: that call alone waits out its retry-after, and while it waits its
 * slot is lent to another item (the items started may reach twice the window; their calls in flight
 * never exceed it, see CallSlots), because a call that
 * is only waiting sends nothing. Without the loan, rows answering 429 twice with retry-after 1 s each
 * hold a slot idle for 2 s.
 */
export class AdaptiveWindow {
  readonly max: number;
  private readonly now: () => number;
  private limitValue: number;
  private successes = 0;
  private lastDecrease = -Infinity;
  /** The latest answers since the last decrease: true for a 429. A ring of ANSWER_SAMPLE. */
  private readonly recent: boolean[] = [];
  private recentAt = 0;
  private recentThrottled = 0;
  /** When each lent slot comes back, and the soonest of them. */
  private loans: number[] = [];
  private soonestReturn = Infinity;

  constructor(max: number, now: () => number = () => performance.now()) {
    this.max = Math.max(1, Math.floor(max));
    this.limitValue = this.max;
    this.now = now;
  }

  /** Calls that may be in flight. */
  get limit(): number {
    return this.limitValue;
  }

  /** Items that may be in flight: the window and the slots lent to items waiting out a retry-after. */
  get items(): number {
    return this.limitValue + this.lent();
  }

  /** Learns from an answer. True when the window's size changed. */
  onAnswer(answer: WindowAnswer): boolean {
    const throttled = answer.status === 429;
    if (throttled && answer.retryInMs !== undefined) this.lend(answer.retryInMs);
    if (answer.sentAt < this.lastDecrease) return false;
    this.record(throttled);
    if (answer.remainingRequests === 0 || this.recentThrottled >= OVERLOAD_429S) return this.shrink();
    return answer.ok ? this.grow() : false;
  }

  private lent(): number {
    if (this.loans.length === 0) return 0;
    const now = this.now();
    if (now >= this.soonestReturn) {
      this.loans = this.loans.filter((until) => until > now);
      this.soonestReturn = this.loans.reduce((a, b) => Math.min(a, b), Infinity);
    }
    return this.loans.length;
  }

  private lend(ms: number): void {
    if (this.lent() >= this.limitValue) return;
    const until = this.now() + ms;
    this.loans.push(until);
    this.soonestReturn = Math.min(this.soonestReturn, until);
  }

  private record(throttled: boolean): void {
    if (this.recent.length < ANSWER_SAMPLE) this.recent.push(throttled);
    else {
      if (this.recent[this.recentAt]) this.recentThrottled -= 1;
      this.recent[this.recentAt] = throttled;
      this.recentAt = (this.recentAt + 1) % ANSWER_SAMPLE;
    }
    if (throttled) this.recentThrottled += 1;
  }

  private grow(): boolean {
    if (this.limitValue >= this.max) return false;
    this.successes += 1;
    if (this.successes < Math.ceil(this.limitValue / 4)) return false;
    this.successes = 0;
    this.limitValue += 1;
    return true;
  }

  private shrink(): boolean {
    this.lastDecrease = this.now();
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
