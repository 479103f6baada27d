// Prompt caching as OpenAI reports it: a request whose prompt starts with a prefix of at least 1,024
// tokens that an earlier answered request on this server also started with gets that prefix counted as
// `usage.prompt_tokens_details.cached_tokens`, in steps of 128 tokens. Tokens here are the simulator's
// own (4 characters of message text), the model and the tools key the cache as they do a provider's.
import { hashString } from './hash.ts';
import { contentText, type ChatRequest } from './answer.ts';

export const MIN_CACHED_TOKENS = 1024;
export const CACHE_STEP_TOKENS = 128;
const CHARS_PER_TOKEN = 4;
const STEP_CHARS = CACHE_STEP_TOKENS * CHARS_PER_TOKEN;
const MIN_CHARS = MIN_CACHED_TOKENS * CHARS_PER_TOKEN;
/** Prefixes remembered at most; past it the cache starts empty again, as a provider's expires. */
const MAX_PREFIXES = 500_000;

/** The prompt as one text, in the order the model reads it. */
function promptText(req: ChatRequest): string {
  let text = '';
  for (const m of req.messages) {
    text += `${m.role}\u0000${contentText(m.content)}`;
    if (Array.isArray(m.tool_calls)) for (const c of m.tool_calls) text += c?.function?.arguments ?? '';
    text += '\u0000';
  }
  return text;
}

/** The keys of a prompt's cacheable prefixes, shortest first: two 32-bit hashes and the prefix's length. */
function prefixKeys(req: ChatRequest): string[] {
  const text = promptText(req);
  if (text.length < MIN_CHARS) return [];
  const head = `${req.model ?? ''}\u0000${JSON.stringify(req.tools ?? [])}`;
  let a = hashString(head);
  let b = hashString(head, 0x01234567);
  const keys: string[] = [];
  for (let end = STEP_CHARS; end <= text.length; end += STEP_CHARS) {
    const chunk = text.slice(end - STEP_CHARS, end);
    a = hashString(chunk, a);
    b = hashString(chunk, b);
    if (end >= MIN_CHARS) keys.push(`${a}:${b}:${end}`);
  }
  return keys;
}

export class PromptCache {
  private readonly seen = new Set<string>();

  /**
   * The cached tokens of a request, and what to call once it is answered: only then is its prefix
   * warm for the requests after it, so calls sent together before any answer find nothing cached.
   */
  lookup(req: ChatRequest): { cachedTokens: number; remember: () => void } {
    const keys = prefixKeys(req);
    let cachedChars = 0;
    for (const key of keys) {
      if (!this.seen.has(key)) break;
      cachedChars = Number(key.slice(key.lastIndexOf(':') + 1));
    }
    return {
      cachedTokens: cachedChars / CHARS_PER_TOKEN,
      remember: () => {
        if (this.seen.size + keys.length > MAX_PREFIXES) this.seen.clear();
        for (const key of keys) this.seen.add(key);
      },
    };
  }
}
