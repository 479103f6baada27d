// Canonical JSON: the text a cache key hashes (key.ts). Two writers of one format: `canonicalJson`,
// the definition, and `sharedCanonicalJson`, the same text with the canonical form of deeply frozen
// objects (an agent's tools, shared by every call of a run) written once and remembered.
// canonical.test.ts holds them to the same bytes.

/**
 * JSON with object keys sorted at every depth and undefined members left out (as JSON.stringify
 * leaves them out). Hand-written: it is a dozen lines, and the registry's stable stringifiers differ
 * on details (undefined in arrays, toJSON) that must never change under a stored key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}

// The canonical text of objects that cannot change: frozen, holding only data properties, and whose
// object members are such objects too. Weak: it goes with them.
const frozenText = new WeakMap<object, string>();

// Whether the value last written by `write` (and everything in it) can change. A flag rather than a
// returned pair, so the walk allocates nothing but its text.
let changeable = false;

/** The same text as canonicalJson, the canonical form of every unchangeable object computed once. */
export function sharedCanonicalJson(value: unknown): string {
  changeable = false;
  return write(value);
}

function write(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    changeable = false;
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  const known = frozenText.get(value);
  if (known !== undefined) {
    changeable = false;
    return known;
  }
  let inner = false;
  let text: string;
  if (Array.isArray(value)) {
    // As canonicalJson's map and join: a hole stays empty, an undefined element is null.
    text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      if (!(i in value)) {
        inner = true;
        continue;
      }
      text += write(value[i]);
      inner ||= changeable;
    }
    text += ']';
  } else {
    const obj = value as Record<string, unknown>;
    text = '{';
    let first = true;
    for (const k of Object.keys(obj).sort()) {
      // Read twice, as canonicalJson does.
      if (obj[k] === undefined) continue;
      text += `${first ? '' : ','}${JSON.stringify(k)}:${write(obj[k])}`;
      inner ||= changeable;
      first = false;
    }
    text += '}';
  }
  changeable = inner || !unchangeable(value);
  if (!changeable) frozenText.set(value, text);
  return text;
}

/** Frozen, and no getter that could answer differently next time. */
function unchangeable(value: object): boolean {
  if (!Object.isFrozen(value)) return false;
  const descriptors = Object.getOwnPropertyDescriptors(value);
  for (const k in descriptors) if (!('value' in descriptors[k])) return false;
  return true;
}
