import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SIZE } from '../../../../shared/domain.ts';
import { buildOptions, defaultOptions } from './options.ts';

describe('buildOptions', () => {
  it('leaves unset numbers out and keeps the defaults', () => {
    expect(buildOptions(defaultOptions())).toEqual({
      options: { batchSize: 8, sequential: false, onError: 'continue' },
      errors: {},
    });
  });
  it('reads budgets and limits', () => {
    const { options } = buildOptions({ ...defaultOptions(), batchSize: '32', onError: 'stop', maxCost: '2.5', maxTokens: '100000', rpm: '600', tpm: '90000' });
    expect(options).toEqual({ batchSize: 32, sequential: false, onError: 'stop', maxCost: 2.5, maxTokens: 100000, rpm: 600, tpm: 90000 });
  });
  it('names each wrong field', () => {
    const { options, errors } = buildOptions({ ...defaultOptions(), batchSize: '0', maxCost: '-1', maxTokens: '1.5', rpm: 'x' });
    expect(options).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['batchSize', 'maxCost', 'maxTokens', 'rpm']);
  });
});

describe('the response cache switch', () => {
  it('writes only the cache turned off: a run without the option has it on', () => {
    expect(buildOptions({ ...defaultOptions(), cache: true }).options).not.toHaveProperty('cache');
    expect(buildOptions({ ...defaultOptions(), cache: false }).options).toMatchObject({ cache: false });
  });
});

describe('buildOptions messages', () => {
  it('says what is wrong by the field\'s label, with the schema\'s bounds', () => {
    const { errors } = buildOptions({ ...defaultOptions(), batchSize: '5000', maxTokens: '1.5', rpm: 'x' });
    expect(errors).toEqual({
      batchSize: 'Batch size must be at most 4096',
      maxTokens: 'Max tokens must be a whole number',
      rpm: 'Requests per minute must be a number',
    });
  });
  it('leaves the batch size to the shared default when empty', () => {
    expect(buildOptions({ ...defaultOptions(), batchSize: '' }).options?.batchSize).toBe(DEFAULT_BATCH_SIZE);
  });
});
