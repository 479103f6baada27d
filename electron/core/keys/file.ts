// Keys encrypted at rest: each key is encrypted with an OS-backed cipher (Electron's safeStorage,
// passed in so this file never imports Electron) and the ciphertexts are kept as base64 in one JSON
// file, written atomically with mode 0600. Nothing here ever prints a key.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyError, keySlot, statusOf, type KeyStore } from './index.ts';

/** The part of Electron's safeStorage that is used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export function createEncryptedKeyStore(options: { file: string; safeStorage: SafeStorageLike }): KeyStore {
  const { file, safeStorage } = options;
  let cipherBySlot: Record<string, string> = load(file);

  function save(): void {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, keys: cipherBySlot }), { mode: 0o600 });
    renameSync(tmp, file);
  }

  return {
    get(endpoint) {
      const slot = keySlot(endpoint);
      const cipher = slot ? cipherBySlot[slot] : undefined;
      if (!cipher || !safeStorage.isEncryptionAvailable()) return undefined;
      try {
        return safeStorage.decryptString(Buffer.from(cipher, 'base64'));
      } catch {
        return undefined; // e.g. the OS keyring changed: the user sets the key again
      }
    },
    set(endpoint, key) {
      const slot = keySlot(endpoint);
      if (!slot) throw new KeyError('this endpoint takes no key');
      if (!safeStorage.isEncryptionAvailable()) {
        throw new KeyError('The system keyring is not available, so the key cannot be stored encrypted. Start Rowrunner with OPENAI_API_KEY set instead.');
      }
      cipherBySlot = { ...cipherBySlot, [slot]: safeStorage.encryptString(key).toString('base64') };
      save();
    },
    clear(endpoint) {
      const slot = keySlot(endpoint);
      if (!slot || !(slot in cipherBySlot)) return;
      const { [slot]: _dropped, ...rest } = cipherBySlot;
      cipherBySlot = rest;
      save();
    },
    status: () => statusOf(Object.keys(cipherBySlot)),
  };
}

function load(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as { keys?: unknown };
    const keys = parsed.keys;
    if (!keys || typeof keys !== 'object') return {};
    const out: Record<string, string> = {};
    for (const [slot, value] of Object.entries(keys)) if (typeof value === 'string') out[slot] = value;
    return out;
  } catch {
    return {};
  }
}
