import { describe, expect, it } from 'vitest';
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
