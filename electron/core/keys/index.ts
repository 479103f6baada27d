// Where endpoint keys live. A key is read only on the main side, when a run starts; it is never sent to
// a renderer, written to SQLite or an export, or logged. Electron keeps keys encrypted with safeStorage
// (see file.ts); the served mode and the CLI keep them in memory, seeded from OPENAI_API_KEY.
import type { Endpoint } from '../../../shared/contract.ts';

export interface KeyStatus {
  openai: boolean;
  /** By base URL. */
  custom: Record<string, boolean>;
}

export interface KeyStore {
  get(endpoint: Endpoint): string | undefined;
  set(endpoint: Endpoint, key: string): void;
  clear(endpoint: Endpoint): void;
  status(): KeyStatus;
}

/** The slot an endpoint's key is stored under: 'openai', 'custom:<normalised base URL>', or null. */
export function keySlot(endpoint: Endpoint): string | null {
  if (endpoint.kind === 'openai') return 'openai';
  if (endpoint.kind === 'custom') {
    if (!endpoint.baseURL) return null;
    return `custom:${normaliseBaseURL(endpoint.baseURL)}`;
  }
  return null; // the simulated endpoint needs no key
}

export function normaliseBaseURL(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export function statusOf(slots: Iterable<string>): KeyStatus {
  const status: KeyStatus = { openai: false, custom: {} };
  for (const slot of slots) {
    if (slot === 'openai') status.openai = true;
    else if (slot.startsWith('custom:')) status.custom[slot.slice('custom:'.length)] = true;
  }
  return status;
}

/** Keys held in memory only; OPENAI_API_KEY (if set) seeds the OpenAI slot. */
export function createMemoryKeyStore(env: Record<string, string | undefined> = process.env): KeyStore {
  const keys = new Map<string, string>();
  const seeded = env.OPENAI_API_KEY?.trim();
  if (seeded) keys.set('openai', seeded);
  return {
    get(endpoint) {
      const slot = keySlot(endpoint);
      return slot ? keys.get(slot) : undefined;
    },
    set(endpoint, key) {
      const slot = keySlot(endpoint);
      if (!slot) throw new KeyError('this endpoint takes no key');
      keys.set(slot, key);
    },
    clear(endpoint) {
      const slot = keySlot(endpoint);
      if (slot) keys.delete(slot);
    },
    status: () => statusOf(keys.keys()),
  };
}

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

/** A store whose OpenAI slot falls back to OPENAI_API_KEY when nothing is stored (the desktop app). */
export function withEnvFallback(store: KeyStore, env: Record<string, string | undefined> = process.env): KeyStore {
  const fromEnv = () => env.OPENAI_API_KEY?.trim() || undefined;
  return {
    get: (endpoint) => store.get(endpoint) ?? (endpoint.kind === 'openai' ? fromEnv() : undefined),
    set: (endpoint, key) => store.set(endpoint, key),
    clear: (endpoint) => store.clear(endpoint),
    status() {
      const s = store.status();
      return fromEnv() ? { ...s, openai: true } : s;
    },
  };
}
