import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEncryptedKeyStore, type SafeStorageLike } from './file.ts';
import { createMemoryKeyStore } from './index.ts';

// Stands in for the OS keyring: a reversible transform that never leaves the key readable.
const fakeSafeStorage: SafeStorageLike = {
  isEncryptionAvailable: () => true,
  encryptString: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)),
  decryptString: (enc) => Buffer.from(enc.map((b) => b ^ 0x5a)).toString('utf8'),
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('memory key store', () => {
  it('is seeded from OPENAI_API_KEY and keeps custom keys by base URL', () => {
    const keys = createMemoryKeyStore({ OPENAI_API_KEY: 'sk-env' });
    expect(keys.get({ kind: 'openai' })).toBe('sk-env');
    keys.set({ kind: 'custom', baseURL: 'http://localhost:11434/v1/' }, 'k2');
    expect(keys.get({ kind: 'custom', baseURL: 'http://localhost:11434/v1' })).toBe('k2');
    expect(keys.status()).toEqual({ openai: true, custom: { 'http://localhost:11434/v1': true } });
    keys.clear({ kind: 'openai' });
    expect(keys.status().openai).toBe(false);
    expect(() => keys.set({ kind: 'simulated' }, 'x')).toThrow();
  });
});

describe('encrypted key store', () => {
  it('persists only ciphertext, in a private file, and reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-keys-'));
    dirs.push(dir);
    const file = join(dir, 'keys.json');
    const a = createEncryptedKeyStore({ file, safeStorage: fakeSafeStorage });
    a.set({ kind: 'openai' }, 'sk-secret-123');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('sk-secret-123');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = createEncryptedKeyStore({ file, safeStorage: fakeSafeStorage });
    expect(b.get({ kind: 'openai' })).toBe('sk-secret-123');
    expect(b.status().openai).toBe(true);
    b.clear({ kind: 'openai' });
    expect(createEncryptedKeyStore({ file, safeStorage: fakeSafeStorage }).get({ kind: 'openai' })).toBeUndefined();
  });

  it('refuses to store a key when encryption is unavailable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-keys-'));
    dirs.push(dir);
    const keys = createEncryptedKeyStore({
      file: join(dir, 'keys.json'),
      safeStorage: { ...fakeSafeStorage, isEncryptionAvailable: () => false },
    });
    expect(() => keys.set({ kind: 'openai' }, 'sk')).toThrow(/keyring/);
  });
});

describe('OPENAI_API_KEY as a fallback', () => {
  it('answers for OpenAI only when nothing is stored, and never for another endpoint', async () => {
    const { withEnvFallback } = await import('./index.ts');
    const inner = createMemoryKeyStore({});
    const keys = withEnvFallback(inner, { OPENAI_API_KEY: 'sk-env' });
    expect(keys.get({ kind: 'openai' })).toBe('sk-env');
    expect(keys.status().openai).toBe(true);
    expect(keys.get({ kind: 'custom', baseURL: 'http://localhost:1234/v1' })).toBeUndefined();
    keys.set({ kind: 'openai' }, 'sk-stored');
    expect(keys.get({ kind: 'openai' })).toBe('sk-stored');
  });
});
