// Random and hostile requests for the contract's calls, from a seed (a failure reproduces): whole
// requests of the wrong shape, values that are not JSON at all (for callers that are not JSON),
// and valid requests with one field made hostile, dropped, or joined by an unknown one (these get
// past the schema's first checks and reach the handlers).

export type Rand = () => number;

export function seeded(seed: number): Rand {
  let x = seed >>> 0 || 1;
  return () => {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

export function pick<T>(rand: Rand, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)];
}

/**
 * Strings that have broken parsers, paths, SQL, spreadsheets and prototypes. None holds a '/': a
 * request that gets through may name a file to write, and must not reach outside the test's folder.
 */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\u0000abc',
  'x'.repeat(5000),
  '..',
  '.',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '0',
  '-1',
  '1e309',
  '9007199254740993',
  'NaN',
  'null',
  'undefined',
  '{}',
  '[]',
  "' OR 1=1 --",
  '"; DROP TABLE runs; --',
  '<img src=x onerror=alert(1)>',
  '=HYPERLINK("x","y")',
  '{{question}}',
  '{{',
  '\ud800',
  '\uffff',
  'é😀\u202e',
  '%00%2e%2e',
  'C:\\Windows\\win.ini',
];

/** JSON values a WebSocket frame can carry. */
export const HOSTILE_JSON: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  0.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  4096,
  4097,
  1e9,
  [],
  [null],
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: { prototype: { polluted: true } } },
  ...HOSTILE_STRINGS,
];

class Thrower {
  get runId(): never {
    throw new Error('a getter that throws');
  }
}

/** Values that no JSON carries, for a direct caller: what a bug in a front could pass. */
export function hostileNonJson(): unknown[] {
  const cyclic: Record<string, unknown> = { runId: '1' };
  cyclic.self = cyclic;
  const proxy = new Proxy(
    {},
    {
      get() {
        throw new Error('a proxy that throws');
      },
      ownKeys() {
        throw new Error('a proxy that throws');
      },
      getOwnPropertyDescriptor() {
        throw new Error('a proxy that throws');
      },
      has() {
        throw new Error('a proxy that throws');
      },
    },
  );
  return [
    undefined,
    NaN,
    Infinity,
    -Infinity,
    10n,
    Symbol('s'),
    () => 1,
    new Date(0),
    new Map([['runId', '1']]),
    new Set([1]),
    new Uint8Array(8),
    /re/g,
    new Error('boom'),
    Object.create(null),
    cyclic,
    new Thrower(),
    proxy,
  ];
}

/** Values Electron's structured clone carries over IPC (besides JSON). */
export function hostileCloneable(): unknown[] {
  return [undefined, NaN, Infinity, 10n, new Date(0), new Map([['runId', '1']]), new Set([1]), new Uint8Array(8), /re/g, new Error('boom'), Object.create(null)];
}

/** A nesting `depth` deep, built without recursion. */
export function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { x: v };
  return v;
}

/** A random value, up to a few levels deep, of the given atoms. */
export function randomValue(rand: Rand, atoms: readonly unknown[], keys: readonly string[], depth = 0): unknown {
  const r = rand();
  if (depth > 3 || r < 0.5) return pick(rand, atoms);
  if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, atoms, keys, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 5); i > 0; i--) o[pick(rand, keys)] = randomValue(rand, atoms, keys, depth + 1);
  return o;
}

/** Every key path of a plain JSON-like value: ['agent'], ['agent', 'tools'], ['agent', 'tools', 0], … */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      out.push(...paths(v, [...prefix, i]));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      out.push(...paths(v, [...prefix, k]));
    }
  }
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown, remove = false): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = at[at.length - 1];
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else {
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/**
 * Requests near a valid one: for every field (at any depth), `perField` random replacements from
 * `atoms`, and the field dropped; plus unknown keys at the top, and the valid request itself.
 */
export function mutations(valid: Record<string, unknown>, rand: Rand, atoms: readonly unknown[], perField = 3): unknown[] {
  const out: unknown[] = [valid];
  for (const at of paths(valid)) {
    for (let i = 0; i < perField; i++) out.push(setAt(valid, at, pick(rand, atoms)));
    out.push(setAt(valid, at, undefined, true));
  }
  const rest = JSON.stringify(valid).slice(1);
  out.push({ ...valid, extra: 1 }, JSON.parse(`{"__proto__": {"polluted": true}${rest === '}' ? '' : ','} ${rest}`));
  return out;
}
