// What a server's response headers say about retrying and rate limits: retry-after and OpenAI's
// x-ratelimit-* headers.

export interface RateLimitInfo {
  limitRequests?: number;
  limitTokens?: number;
  remainingRequests?: number;
  resetRequestsMs?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
}

/** What the header parsers read: WHATWG Headers, or a view of a plain header object. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** retry-after-ms, else retry-after (seconds or an HTTP date), in ms; undefined when absent or unreadable. */
export function parseRetryAfter(headers: HeaderSource | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** "1s", "6m0s", "20ms", "1h2m3.5s", or a bare number of seconds, in ms. */
export function parseDurationMs(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined) return undefined;
  const t = text.trim();
  if (t === '') return undefined;
  if (Number.isFinite(Number(t))) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    consumed += m[0].length;
  }
  return consumed === t.length ? total : undefined;
}

export function parseRateLimitHeaders(headers: HeaderSource | undefined): RateLimitInfo | undefined {
  if (!headers) return undefined;
  // Most servers other than OpenAI's send none: then no object is made.
  if (
    headers.get('x-ratelimit-limit-requests') === null &&
    headers.get('x-ratelimit-limit-tokens') === null &&
    headers.get('x-ratelimit-remaining-requests') === null &&
    headers.get('x-ratelimit-reset-requests') === null &&
    headers.get('x-ratelimit-remaining-tokens') === null &&
    headers.get('x-ratelimit-reset-tokens') === null
  ) {
    return undefined;
  }
  const num = (name: string) => {
    const v = headers.get(name);
    return v !== null && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  };
  const info: RateLimitInfo = {
    limitRequests: num('x-ratelimit-limit-requests'),
    limitTokens: num('x-ratelimit-limit-tokens'),
    remainingRequests: num('x-ratelimit-remaining-requests'),
    resetRequestsMs: parseDurationMs(headers.get('x-ratelimit-reset-requests')),
    remainingTokens: num('x-ratelimit-remaining-tokens'),
    resetTokensMs: parseDurationMs(headers.get('x-ratelimit-reset-tokens')),
  };
  return Object.values(info).some((v) => v !== undefined) ? info : undefined;
}
