// The reason an error carries beyond its code, which a front acts on instead of reading the message.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractErrorSchema } from '../../shared/contract.ts';
import { createCore, type Core } from './core.ts';
import { toContractError } from './errors.ts';
import { createMemoryKeyStore } from './keys/index.ts';

let dir: string;
let core: Core;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-error-reason-'));
  core = createCore({ dataDir: dir, front: 'electron', keyStore: createMemoryKeyStore({}), simulator: { latencyMs: 0 } });
});

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function importError(name: string, text: string, ragged?: 'pad' | 'skip'): Promise<unknown> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  try {
    await core.dispatch('dataset:import', { source: { kind: 'path', path: file }, ...(ragged ? { ragged } : {}) });
  } catch (e) {
    return toContractError(e);
  }
  return null;
}

describe('dataset:import', () => {
  it('says ragged-rows for rows of another length, and the same file imports when padded', async () => {
    const error = await importError('ragged.csv', 'a,b\n1,2\n3\n4,5\n');
    expect(ContractErrorSchema.parse(error)).toMatchObject({ code: 'bad-input', reason: 'ragged-rows' });
    expect(await importError('ragged.csv', 'a,b\n1,2\n3\n4,5\n', 'pad')).toBeNull();
  });

  it('gives no reason for a CSV that padding would not fix', async () => {
    const error = await importError('quote.csv', 'a,b\n"1,2\n');
    expect(error).toMatchObject({ code: 'bad-input' });
    expect(error).not.toHaveProperty('reason');
  });
});
