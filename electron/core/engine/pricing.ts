// Per-model prices, used to turn reported token usage into dollars for the batch budget and the
// per-item cost. Prices are USD per million tokens, standard (non-batch) tier; cached input is the
// price of prompt tokens the provider had cached (a prefix it saw in an earlier request).
import type { Pricing, Usage } from '../../../shared/domain.ts';
import { formatUsd, roundUsd, usdToMicros } from '../../../shared/money.ts';

/**
 * Built-in prices for current OpenAI models. A model id matches the longest entry that is the whole id
 * or a prefix followed by "-" (so "gpt-4o-mini-2024-07-18" is gpt-4o-mini, not gpt-4o). A provider
 * prefix such as "openai/" (OpenRouter) is ignored.
 */
export const BUILT_IN_PRICES: Readonly<Record<string, Readonly<Pricing>>> = Object.freeze({
  'gpt-4o': { inputPerMTok: 2.5, cachedInputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 },
  'gpt-4.1': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, cachedInputPerMTok: 0.1, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, cachedInputPerMTok: 0.025, outputPerMTok: 0.4 },
  o3: { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  // Listed so that the o3 prefix does not price it: it is a different, cheaper model.
  'o3-mini': { inputPerMTok: 1.1, cachedInputPerMTok: 0.55, outputPerMTok: 4.4 },
  'o4-mini': { inputPerMTok: 1.1, cachedInputPerMTok: 0.275, outputPerMTok: 4.4 },
  'gpt-5': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, cachedInputPerMTok: 0.025, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, cachedInputPerMTok: 0.005, outputPerMTok: 0.4 },
});

/** Output tokens a call may produce when the agent sets no maxTokensPerCall and the model is in no table below. */
export const FALLBACK_OUTPUT_CAP = 4096;

/**
 * Each built-in model's largest answer (reasoning included), sent as the call's output cap when the
 * agent sets none. A budget reserves this many output tokens per call, so a smaller maxTokensPerCall
 * lets more calls run at once under a tight budget.
 */
export const BUILT_IN_OUTPUT_CAPS: Readonly<Record<string, number>> = Object.freeze({
  'gpt-4o': 16_384,
  'gpt-4o-mini': 16_384,
  'gpt-4.1': 32_768,
  'gpt-4.1-mini': 32_768,
  'gpt-4.1-nano': 32_768,
  o3: 100_000,
  'o3-mini': 100_000,
  'o4-mini': 100_000,
  'gpt-5': 128_000,
  'gpt-5-mini': 128_000,
  'gpt-5-nano': 128_000,
});

/** The table key a model id matches (see BUILT_IN_PRICES), or null. */
function matchModel(model: string, keys: readonly string[]): string | null {
  const slash = model.lastIndexOf('/');
  const id = (slash >= 0 ? model.slice(slash + 1) : model).toLowerCase();
  let best: string | null = null;
  for (const key of keys) {
    if (id === key || (id.startsWith(key) && id[key.length] === '-')) {
      if (best === null || key.length > best.length) best = key;
    }
  }
  return best;
}

/** The output cap of a call: the agent's maxTokensPerCall, else the model's from the table, else 4,096. */
export function outputCap(model: string, maxTokensPerCall?: number): number {
  if (maxTokensPerCall !== undefined) return maxTokensPerCall;
  const key = matchModel(model, Object.keys(BUILT_IN_OUTPUT_CAPS));
  return key === null ? FALLBACK_OUTPUT_CAP : BUILT_IN_OUTPUT_CAPS[key];
}

export interface PriceLookup {
  /** The prices to use; all zero when the model is unknown and no override was given. */
  pricing: Pricing;
  /** False when the model is in no table and no override was given: its cost counts as 0. */
  known: boolean;
  /** The table entry that matched, or 'override'. */
  source: string | null;
}

const ZERO: Pricing = Object.freeze({ inputPerMTok: 0, outputPerMTok: 0 });

export function lookupPrice(model: string, override?: Pricing, table: Readonly<Record<string, Pricing>> = BUILT_IN_PRICES): PriceLookup {
  if (override) return { pricing: override, known: true, source: 'override' };
  const best = matchModel(model, Object.keys(table));
  return best === null ? { pricing: ZERO, known: false, source: null } : { pricing: table[best], known: true, source: best };
}

/** Micro-dollars for one usage at the given prices, exact (a fraction of a micro-dollar kept). */
export function exactMicros(usage: Usage, pricing: Pricing): number {
  const cached = Math.min(usage.promptTokens, usage.cachedTokens ?? 0);
  return (usage.promptTokens - cached) * pricing.inputPerMTok + cached * (pricing.cachedInputPerMTok ?? pricing.inputPerMTok) + usage.completionTokens * pricing.outputPerMTok;
}

/** Dollars for one usage at the given prices, cached prompt tokens at their own rate: whole micro-dollars, rounded up. */
export function costOf(usage: Usage, pricing: Pricing): number {
  // 100 × 0.15 is 15.000000000000002 in floats: that is 15, not 16.
  return Math.max(0, Math.ceil(exactMicros(usage, pricing) - 1e-6)) / 1_000_000;
}

/** What `cachedTokens` prompt tokens saved an agent against its model's uncached input price, USD; undefined for a model with no price. */
export function cachedSaving(agent: { model: string; pricing?: Pricing }, cachedTokens: number): number | undefined {
  const price = lookupPrice(agent.model, agent.pricing);
  return price.known ? cachedSavingOf({ promptTokens: cachedTokens, completionTokens: 0, cachedTokens }, price.pricing) : undefined;
}

/** What the cached prompt tokens of a usage saved against the uncached input price, in dollars. */
export function cachedSavingOf(usage: Usage, pricing: Pricing): number {
  const cached = Math.min(usage.promptTokens, usage.cachedTokens ?? 0);
  return roundUsd((cached * (pricing.inputPerMTok - (pricing.cachedInputPerMTok ?? pricing.inputPerMTok))) / 1_000_000);
}

/** Why a cost budget cannot be kept with this agent (its model has no price), or null. The fronts call it before a run. */
export function budgetProblem(agent: { model: string; pricing?: Pricing }, options: { maxCost?: number; maxTokens?: number }): string | null {
  if (options.maxCost === undefined || lookupPrice(agent.model, agent.pricing).known) return null;
  return (
    `the model "${agent.model}" has no known price, so the cost budget of ${formatUsd(usdToMicros(options.maxCost))} cannot be kept: ` +
    `give the agent "pricing": { "inputPerMTok": …, "outputPerMTok": … } (USD per million tokens), or set a token budget instead`
  );
}
