// Budgets by reservation. Before each attempt at an LLM call, its worst case is reserved: the
// request's prompt tokens (counted with the tokenizer) plus its output cap, in tokens and in
// dollars. A call starts only if that fits in what is left once every call in flight is counted at
// its own worst case, so the batch can never spend past its budget however many calls run at once.
// When the answer comes the reservation is settled with the real usage. Money is integer
// micro-dollars, so sums carry no float noise.
import type { Pricing, Usage } from '../../../shared/domain.ts';
import type { ChatRequest } from './llm.ts';
import { budgetProblem, exactMicros, outputCap, type PriceLookup } from './pricing.ts';
import { formatUsd, usdToMicros } from '../../../shared/money.ts';
import { abortError } from './signals.ts';
import { requestTokens } from './tokens.ts';

/** The batch's maxCost or maxTokens leaves no room for the next call. */
export class BudgetExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExceededError';
  }
}

export interface BudgetLimits {
  /** USD. */
  maxCost?: number;
  /** Prompt plus completion tokens. */
  maxTokens?: number;
}

/** An amount of budget. */
export interface Amount {
  micros: number;
  tokens: number;
}

export { formatUsd, usdToMicros } from '../../../shared/money.ts';
export { budgetProblem };

/** The cost of a usage at these prices (cached prompt tokens at their own), in micro-dollars, rounded up (never under-counted). */
export function costMicros(usage: Usage, pricing: Pricing): number {
  // 100 × 0.15 is 15.000000000000002 in floats: that is 15, not 16.
  return Math.max(0, Math.ceil(exactMicros(usage, pricing) - 1e-6));
}

/** A held worst case, settled once with the real usage. */
export interface Reservation {
  readonly need: Amount;
  /** The prompt tokens the tokenizer counted. */
  readonly promptTokens: number;
  settled: boolean;
}

interface Waiter {
  need: Amount;
  promptTokens: number;
  resolve: (r: Reservation) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** One batch's budget: what it may spend, has spent, and holds for the calls in flight. */
export class Budget {
  readonly limit: Partial<Amount>;
  readonly spent: Amount = { micros: 0, tokens: 0 };
  readonly reserved: Amount = { micros: 0, tokens: 0 };
  /**
   * How much the server's prompt counts have exceeded ours at most (1 = never): a server with another
   * tokenizer counts differently, and later reservations grow by that much.
   */
  promptScale = 1;
  private readonly waiters: Waiter[] = [];

  constructor(limits: BudgetLimits) {
    this.limit = {};
    if (limits.maxCost !== undefined) this.limit.micros = usdToMicros(limits.maxCost);
    if (limits.maxTokens !== undefined) this.limit.tokens = limits.maxTokens;
  }

  get limited(): boolean {
    return this.limit.micros !== undefined || this.limit.tokens !== undefined;
  }

  get costLimited(): boolean {
    return this.limit.micros !== undefined;
  }

  /** Whether `need` could be held at once, beside the calls in flight. */
  fitsNow(need: Amount): boolean {
    return this.waiters.length === 0 && !this.overrun(need, this.reserved);
  }

  /** What "was reached" names: the budget that a call of this size would overrun (null: it fits). */
  private overrun(need: Amount, held: Amount): string | null {
    const { micros, tokens } = this.limit;
    if (micros !== undefined && this.spent.micros + held.micros + need.micros > micros) return `the budget of ${formatUsd(micros)} was reached`;
    if (tokens !== undefined && this.spent.tokens + held.tokens + need.tokens > tokens) return `the budget of ${tokens} tokens was reached`;
    return null;
  }

  /** Why no call can start any more (nothing is left), else null. */
  reached(): string | null {
    const { micros, tokens } = this.limit;
    if (micros !== undefined && this.spent.micros >= micros) return `the budget of ${formatUsd(micros)} was reached`;
    if (tokens !== undefined && this.spent.tokens >= tokens) return `the budget of ${tokens} tokens was reached`;
    return null;
  }

  /**
   * Holds `need`: at once when it fits beside the calls in flight; once enough of them settle when it
   * would fit without them; never when it does not fit in what is left (a BudgetExceededError).
   */
  reserve(need: Amount, promptTokens: number, signal?: AbortSignal): Reservation | Promise<Reservation> {
    const never = this.overrun(need, { micros: 0, tokens: 0 });
    if (never) throw new BudgetExceededError(`${never}: the next call could cost ${this.describe(need)} at most, more than the ${this.describeLeft()} left`);
    if (this.fitsNow(need)) return this.hold(need, promptTokens);
    return new Promise<Reservation>((resolve, reject) => {
      const waiter: Waiter = { need, promptTokens, resolve, reject, signal };
      if (signal) {
        if (signal.aborted) return reject(abortError(signal));
        waiter.onAbort = () => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(abortError(signal));
          this.wake();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Ends a reservation with what the call really used (zero when it never got an answer). */
  settle(r: Reservation, used: Amount, promptTokens = 0): void {
    if (r.settled) return;
    r.settled = true;
    this.reserved.micros -= r.need.micros;
    this.reserved.tokens -= r.need.tokens;
    this.spent.micros += used.micros;
    this.spent.tokens += used.tokens;
    if (r.promptTokens > 0 && promptTokens > r.promptTokens * this.promptScale) this.promptScale = promptTokens / r.promptTokens;
    this.wake();
  }

  private hold(need: Amount, promptTokens: number): Reservation {
    this.reserved.micros += need.micros;
    this.reserved.tokens += need.tokens;
    return { need, promptTokens, settled: false };
  }

  /** Lets the waiters in, first come first served, as far as the budget allows. */
  private wake(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0];
      const never = this.overrun(w.need, { micros: 0, tokens: 0 });
      if (!never && this.overrun(w.need, this.reserved)) return;
      this.waiters.shift();
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      if (never) w.reject(new BudgetExceededError(`${never}: the next call could cost ${this.describe(w.need)} at most, more than the ${this.describeLeft()} left`));
      else w.resolve(this.hold(w.need, w.promptTokens));
    }
  }

  private describe(a: Amount): string {
    return this.limit.micros !== undefined ? formatUsd(a.micros) : `${a.tokens} tokens`;
  }

  private describeLeft(): string {
    return this.limit.micros !== undefined ? formatUsd(this.limit.micros - this.spent.micros) : `${(this.limit.tokens ?? 0) - this.spent.tokens} tokens`;
  }
}

/**
 * The worst case of one attempt: every prompt token the tokenizer counts (scaled), or (`bound`) an
 * upper bound of them, and the full output cap. `promptTokens` is the tokenizer's count, 0 for a bound.
 */
export function worstCase(request: ChatRequest, pricing: Pricing, promptScale = 1, how: 'count' | 'bound' = 'count'): { need: Amount; promptTokens: number } {
  const counted = requestTokens(request, how);
  const prompt = how === 'count' ? Math.ceil(counted * promptScale) : counted;
  const output = outputCap(request.model, request.maxTokens);
  return { need: { tokens: prompt + output, micros: costMicros({ promptTokens: prompt, completionTokens: output }, pricing) }, promptTokens: how === 'count' ? counted : 0 };
}

/**
 * One item's calls through the budget (they run one after another): `before` reserves ahead of each
 * attempt, `after` settles it with the attempt's usage, `end` releases what an attempt that never
 * reported still holds.
 */
export function budgetGate(budget: Budget, price: () => PriceLookup) {
  let held: Reservation | undefined;
  let lookup: PriceLookup | undefined;
  return {
    before(request: ChatRequest, signal: AbortSignal | undefined): Promise<void> | undefined {
      if (!budget.limited) return undefined;
      lookup ??= price();
      if (budget.costLimited && !lookup.known) {
        throw new BudgetExceededError(budgetProblem({ model: request.model }, { maxCost: (budget.limit.micros ?? 0) / 1_000_000 }) ?? 'the model has no price');
      }
      // Far from the budget's edge the cheap bound fits and the tokenizer is never loaded; near it, the count decides.
      let worst = worstCase(request, lookup.pricing, budget.promptScale, 'bound');
      if (!budget.fitsNow(worst.need)) worst = worstCase(request, lookup.pricing, budget.promptScale, 'count');
      const r = budget.reserve(worst.need, worst.promptTokens, signal);
      if (!(r instanceof Promise)) {
        held = r;
        return undefined;
      }
      return r.then((got) => {
        held = got;
      });
    },
    after(usage: Usage): void {
      if (!held) return;
      const micros = lookup ? costMicros(usage, lookup.pricing) : 0;
      budget.settle(held, { micros, tokens: usage.promptTokens + usage.completionTokens }, usage.promptTokens);
      held = undefined;
    },
    end(): void {
      if (held) budget.settle(held, { micros: 0, tokens: 0 });
      held = undefined;
    },
  };
}
