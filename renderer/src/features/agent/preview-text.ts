// A cell as the prompt preview shows it: its start, and how much more it holds. A preview of a 5 MB
// cell rendered whole made every keystroke on the Agent screen lay out megabytes of text.

/** Characters of one value the preview shows. */
export const PREVIEW_CHARS = 2_000;

export function previewText(value: string, max = PREVIEW_CHARS): { shown: string; more: number } {
  if (value.length <= max) return { shown: value, more: 0 };
  // Not cut inside a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(value[max - 1]) ? max - 1 : max;
  return { shown: value.slice(0, end), more: value.length - end };
}
