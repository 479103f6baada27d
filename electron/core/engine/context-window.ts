// Whether a prompt fits its model: a request whose prompt and output cap together exceed the model's
// context window is refused by the provider (OpenAI: "maximum context length"), so such a row fails
// here, before it is sent, saying how long it is and what the window is.
import type { ChatRequest } from './llm.ts';
import { outputCap } from './pricing.ts';
import { countTokens, requestTokens } from './tokens.ts';

/** Context windows (prompt and answer together, tokens) of the built-in models, matched as prices are. */
export const BUILT_IN_CONTEXT_WINDOWS: Readonly<Record<string, number>> = Object.freeze({
  'gpt-4o': 128_000,
  'gpt-4o-mini': 128_000,
  'gpt-4.1': 1_047_576,
  'gpt-4.1-mini': 1_047_576,
  'gpt-4.1-nano': 1_047_576,
  o3: 200_000,
  'o3-mini': 200_000,
  'o4-mini': 200_000,
  'gpt-5': 400_000,
  'gpt-5-mini': 400_000,
  'gpt-5-nano': 400_000,
});

/** The context window of a model: the agent's contextWindow, else the table's, else null (unknown: not checked). */
export function contextWindowOf(model: string, override?: number): number | null {
  if (override !== undefined) return override;
  const slash = model.lastIndexOf('/');
  const id = (slash >= 0 ? model.slice(slash + 1) : model).toLowerCase();
  let best: string | null = null;
  for (const key of Object.keys(BUILT_IN_CONTEXT_WINDOWS)) {
    if ((id === key || (id.startsWith(key) && id[key.length] === '-')) && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? null : BUILT_IN_CONTEXT_WINDOWS[best];
}

/** Texts up to this long are counted whole; longer ones from samples (counting 5 MB takes seconds). */
export const EXACT_COUNT_CHARS = 100_000;
const SAMPLES = 16;
const SAMPLE_CHARS = 4_000;

/**
 * The tokens of a text: counted whole up to EXACT_COUNT_CHARS, else extrapolated from 16 evenly spread
 * samples of 4,000 characters (each cut at a space so that no word is split): within a few percent for
 * text, in milliseconds instead of the seconds a whole count of megabytes takes.
 */
export function textTokens(text: string): { tokens: number; exact: boolean } {
  if (text.length <= EXACT_COUNT_CHARS) return { tokens: countTokens(text), exact: true };
  let chars = 0;
  let tokens = 0;
  const step = Math.floor((text.length - SAMPLE_CHARS) / (SAMPLES - 1));
  for (let k = 0; k < SAMPLES; k++) {
    let start = k * step;
    let end = start + SAMPLE_CHARS;
    const space = text.indexOf(' ', start);
    if (space >= 0 && space < start + 100) start = space;
    const spaceEnd = text.lastIndexOf(' ', end);
    if (spaceEnd > start + SAMPLE_CHARS - 100) end = spaceEnd;
    const sample = text.slice(start, end);
    chars += sample.length;
    tokens += countTokens(sample);
  }
  return { tokens: Math.ceil((tokens / chars) * text.length), exact: false };
}

/**
 * Why a request cannot be sent to a model with this context window (its prompt and output cap do not
 * fit), or null. The cheap bound (a token per byte) settles most requests without the tokenizer.
 */
export function contextProblem(request: ChatRequest, window: number | null): string | null {
  if (window === null) return null;
  const cap = outputCap(request.model, request.maxTokens);
  if (requestTokens(request, 'bound') + cap <= window) return null;
  let prompt = requestTokens({ ...request, messages: request.messages.map((m) => ({ ...m, content: '' })) });
  let exact = true;
  for (const m of request.messages) {
    const t = textTokens(m.content ?? '');
    prompt += t.tokens;
    exact &&= t.exact;
  }
  if (prompt + cap <= window) return null;
  const about = exact ? '' : 'about ';
  return (
    `the prompt is ${about}${prompt.toLocaleString('en-US')} tokens, which with ${cap.toLocaleString('en-US')} for the answer is more than ` +
    `${request.model}'s context window of ${window.toLocaleString('en-US')} tokens, so it was not sent: shorten this row, ` +
    `or choose a model with a larger window (or set the agent's contextWindow if its window is larger)`
  );
}

/** A row whose prompt does not fit its model: failed before sending. */
export class PromptTooLongError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptTooLongError';
  }
}
