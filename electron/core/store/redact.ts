// Keeps a run's API key out of what is stored: a provider may quote the key it was given in its
// error (and so in the item's error, the transcript and the export). Every occurrence is replaced by
// a mark before the text is written.

export const REDACTED_KEY = '[redacted key]';

/**
 * Shorter than this, a "key" is a placeholder ('no-key', 'simulated') or a test value: replacing such
 * a common word would alter answers, and a real provider's key is never that short.
 */
export const MIN_REDACTED_KEY_LENGTH = 12;

export interface Redactor {
  /** The text with every occurrence of the key replaced by REDACTED_KEY. */
  text(s: string): string;
  /** The same for JSON text, where the key may appear escaped. */
  json(s: string): string;
}

const NONE: Redactor = { text: (s) => s, json: (s) => s };

export function keyRedactor(key: string | undefined): Redactor {
  if (key === undefined || key.length < MIN_REDACTED_KEY_LENGTH) return NONE;
  const escaped = JSON.stringify(key).slice(1, -1);
  // The common case (no key in the text) costs one search.
  const text = (s: string): string => (s.includes(key) ? s.replaceAll(key, REDACTED_KEY) : s);
  return {
    text,
    json: (s) => {
      const raw = text(s);
      return escaped !== key && raw.includes(escaped) ? raw.replaceAll(escaped, REDACTED_KEY) : raw;
    },
  };
}
