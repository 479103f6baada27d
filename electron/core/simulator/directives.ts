// Per-item directives: markers written into a user prompt that make the simulator misbehave for
// that item only. The list and their meaning are documented in index.ts.

export interface Directives {
  /** Extra latency for this request, in ms. */
  sleepMs: number;
  /** Answer this HTTP status instead of a completion. */
  status?: number;
  /** How many requests carrying this prompt get `status` before it succeeds (Infinity = always). */
  statusTimes: number;
  /** The wait a 429 for this prompt asks for, in ms; absent: 1 s. */
  retryAfterMs?: number;
  /** Never answer. */
  hang: boolean;
  /** How many requests carrying this prompt hang before one is answered (Infinity = always). */
  hangTimes: number;
  /** Destroy the socket without answering. */
  drop: boolean;
  /** How many requests carrying this prompt are dropped before one is answered (Infinity = always). */
  dropTimes: number;
  /** How many tool-call answers for this prompt carry malformed (invalid JSON) arguments. */
  badArgsTimes: number;
  /** Answer text even when tools are offered. */
  text: boolean;
  /** Answer 401 with the request's Authorization header in the error's message. */
  echoKey: boolean;
}

const DIRECTIVE = /\[\[\s*(sleep\s*:\s*(\d+)|status\s*:\s*(\d{3})(?:\s*x\s*(\d+))?|hang(?:\s*x\s*(\d+))?|drop(?:\s*x\s*(\d+))?|badargs(?:\s*x\s*(\d+))?|text|echokey|retry-?after\s*:\s*(\d+))\s*\]\]/gi;

/**
 * Reads the directives of the given texts (typically the first and the last user message); later
 * texts add to earlier ones. Returns null when none is present, which is the common, cheap case.
 */
export function parseDirectives(...texts: string[]): Directives | null {
  let found: Directives | null = null;
  for (const text of texts) {
    if (!text.includes('[[')) continue;
    DIRECTIVE.lastIndex = 0;
    for (let m = DIRECTIVE.exec(text); m !== null; m = DIRECTIVE.exec(text)) {
      found ??= { sleepMs: 0, statusTimes: Infinity, hang: false, hangTimes: Infinity, drop: false, dropTimes: Infinity, badArgsTimes: 0, text: false, echoKey: false };
      const word = m[1].toLowerCase();
      if (m[2] !== undefined) found.sleepMs = Math.max(found.sleepMs, Number(m[2]));
      else if (m[3] !== undefined) {
        found.status = Number(m[3]);
        found.statusTimes = m[4] !== undefined ? Number(m[4]) : Infinity;
      } else if (word.startsWith('hang')) {
        found.hang = true;
        found.hangTimes = m[5] !== undefined ? Number(m[5]) : Infinity;
      } else if (word.startsWith('drop')) {
        found.drop = true;
        found.dropTimes = m[6] !== undefined ? Number(m[6]) : Infinity;
      } else if (word.startsWith('badargs')) found.badArgsTimes = Math.max(found.badArgsTimes, m[7] !== undefined ? Number(m[7]) : 1);
      else if (word === 'text') found.text = true;
      else if (word === 'echokey') found.echoKey = true;
      else if (m[8] !== undefined) found.retryAfterMs = Number(m[8]);
    }
  }
  return found;
}
