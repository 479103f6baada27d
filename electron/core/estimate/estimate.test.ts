import { describe, expect, it } from 'vitest';
import { AgentSpecSchema } from '../../../shared/domain.ts';
import { completionTokensPerCall, countTokens, estimateRun } from './index.ts';

async function* pagesOf(rows: string[][], size: number) {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

describe('estimate', () => {
  it('counts with o200k_base', () => {
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('')).toBe(0);
  });

  it('counts every rendered prompt and prices a known model', async () => {
    const agent = AgentSpecSchema.parse({ name: 'a', model: 'gpt-4o-mini', prompt: 'Review: {{text}}' });
    const rows = Array.from({ length: 2500 }, (_, i) => [String(i), `row number ${i}`]);
    const est = await estimateRun({ agent, columns: ['id', 'text'], pages: pagesOf(rows, 1000) });
    expect(est.items).toBe(2500);
    const perRow = countTokens('Review: row number 7') + 7;
    expect(est.promptTokens).toBeGreaterThan(2500 * (perRow - 3));
    expect(est.promptTokens).toBeLessThan(2500 * (perRow + 3));
    expect(est.completionTokens).toBe(2500 * 150);
    expect(est.costUsd).toBeCloseTo((est.promptTokens * 0.15 + est.completionTokens * 0.6) / 1e6, 10);
    expect(est.tokenizer).toBe('o200k_base');
  });

  it('estimates a structured answer from its fields and returns null cost for an unknown model', async () => {
    const agent = AgentSpecSchema.parse({
      name: 'a',
      model: 'my-local-model',
      prompt: '{{x}}',
      systemMessage: 'Be brief.',
      doneIfTool: true,
      tools: [{ name: 'answer', parameters: { type: 'object', properties: { label: { type: 'string' }, score: { type: 'number' } } } }],
      output: { label: 'label', score: 'score' },
      maxTokensPerCall: 500,
    });
    const perCall = completionTokensPerCall(agent);
    expect(perCall).toBeGreaterThan(30);
    expect(perCall).toBeLessThan(150);
    const est = await estimateRun({ agent, columns: ['x'], pages: pagesOf([['a'], ['b']], 1) });
    expect(est.costUsd).toBeNull();
    expect(est.completionTokens).toBe(2 * perCall);
    expect(est.promptTokens).toBeGreaterThan(2 * countTokens('Be brief.'));
  });
});
