import { describe, expect, it } from 'vitest';
import { Budget, BudgetExceededError, budgetGate, budgetProblem, costMicros, formatUsd, usdToMicros, worstCase } from './budget.ts';
import type { ChatRequest } from './llm.ts';
import { FALLBACK_OUTPUT_CAP, lookupPrice, outputCap } from './pricing.ts';
import { countTokens, requestTokens } from './tokens.ts';

const amount = (micros: number, tokens = 0) => ({ micros, tokens });

describe('money', () => {
  it('is integer micro-dollars, printed without float noise', () => {
    expect(usdToMicros(0.00904950000000001)).toBe(9050);
    expect(formatUsd(9050)).toBe('$0.00905');
    expect(formatUsd(usdToMicros(0.02) - usdToMicros(0.01095))).toBe('$0.00905');
    expect(formatUsd(2_000_000)).toBe('$2');
    expect(formatUsd(1)).toBe('$0.000001');
  });

  it('rounds a cost up to the micro-dollar, but not float noise', () => {
    const pricing = { inputPerMTok: 0.15, outputPerMTok: 0.6 };
    expect(costMicros({ promptTokens: 100, completionTokens: 0 }, pricing)).toBe(15);
    expect(costMicros({ promptTokens: 7, completionTokens: 0 }, pricing)).toBe(2);
    expect(costMicros({ promptTokens: 1000, completionTokens: 10 }, pricing)).toBe(156);
  });
});

describe('Budget', () => {
  it('holds worst cases side by side only while they fit', () => {
    const b = new Budget({ maxCost: 0.0001 }); // 100 micro-dollars
    const first = b.reserve(amount(60), 10);
    expect(first).not.toBeInstanceOf(Promise);
    expect(b.reserved.micros).toBe(60);
    // 60 held + 60 > 100: it waits for the first to settle.
    const second = b.reserve(amount(60), 10);
    expect(second).toBeInstanceOf(Promise);
    b.settle(first as never, amount(5));
    expect(b.spent.micros).toBe(5);
    return (second as Promise<unknown>).then(() => {
      expect(b.reserved.micros).toBe(60);
    });
  });

  it('refuses a call whose worst case exceeds what is left, even with nothing in flight', () => {
    const b = new Budget({ maxTokens: 100 });
    const r = b.reserve(amount(0, 90), 10);
    b.settle(r as never, amount(0, 50));
    expect(() => b.reserve(amount(0, 51), 10)).toThrow(BudgetExceededError);
    expect(() => b.reserve(amount(0, 51), 10)).toThrow(/the budget of 100 tokens was reached: the next call could cost 51 tokens at most, more than the 50 tokens left/);
    expect(b.reserve(amount(0, 50), 10)).not.toBeInstanceOf(Promise);
  });

  it('refuses a waiting call once what settled leaves it no room', async () => {
    const b = new Budget({ maxCost: 0.0001 });
    const first = b.reserve(amount(60), 10);
    const second = b.reserve(amount(60), 10) as Promise<unknown>;
    b.settle(first as never, amount(50));
    await expect(second).rejects.toThrow(/the budget of \$0\.0001 was reached/);
    expect(b.reserved.micros).toBe(0);
  });

  it('lets a waiting call go when its signal aborts', async () => {
    const b = new Budget({ maxCost: 0.0001 });
    b.reserve(amount(60), 10);
    const controller = new AbortController();
    const waiting = b.reserve(amount(60), 10, controller.signal) as Promise<unknown>;
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(b.reserved.micros).toBe(60);
  });

  it('says when nothing is left', () => {
    const b = new Budget({ maxCost: 0.00001 });
    expect(b.reached()).toBeNull();
    b.settle(b.reserve(amount(10), 1) as never, amount(10));
    expect(b.reached()).toBe('the budget of $0.00001 was reached');
  });

  it('grows later reservations when the server counted more prompt tokens than the tokenizer', () => {
    const b = new Budget({ maxTokens: 10_000 });
    const r = b.reserve(amount(0, 100), 80);
    b.settle(r as never, amount(0, 120), 120);
    expect(b.promptScale).toBe(1.5);
  });
});

describe('the worst case of a request', () => {
  const request: ChatRequest = {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You answer questions.' },
      { role: 'user', content: 'What is the capital of France?' },
    ],
    tools: [{ name: 'answer', description: 'Give the answer', parameters: { type: 'object', properties: { answer: { type: 'string' } } } }],
    maxTokens: 50,
  };

  it('counts messages, tools and their schema with the tokenizer, plus the framing', () => {
    const bare = requestTokens({ ...request, tools: undefined });
    expect(bare).toBe(3 + (3 + 1 + countTokens('You answer questions.')) + (3 + 1 + countTokens('What is the capital of France?')));
    expect(requestTokens(request) - bare).toBeGreaterThan(countTokens(JSON.stringify(request.tools![0].parameters)));
  });

  it('has a cheap upper bound, one token per UTF-8 byte, that the count never exceeds', () => {
    const text = { ...request, messages: [...request.messages, { role: 'user' as const, content: 'Ünïcödé, 漢字 and emoji 🙂' }] };
    expect(requestTokens(text, 'bound')).toBeGreaterThanOrEqual(requestTokens(text));
  });

  it('is reserved as the bound far from the edge, as the count near it', () => {
    const { pricing } = lookupPrice('gpt-4o-mini');
    const bound = worstCase(request, pricing, 1, 'bound').need;
    const counted = worstCase(request, pricing).need;
    expect(bound.tokens).toBeGreaterThan(counted.tokens);
    const roomy = new Budget({ maxTokens: 10 * bound.tokens });
    budgetGate(roomy, () => lookupPrice('gpt-4o-mini')).before(request, undefined);
    expect(roomy.reserved.tokens).toBe(bound.tokens);
    const tight = new Budget({ maxTokens: counted.tokens });
    budgetGate(tight, () => lookupPrice('gpt-4o-mini')).before(request, undefined);
    expect(tight.reserved.tokens).toBe(counted.tokens);
  });

  it('is the prompt tokens and the whole output cap, at the model’s prices', () => {
    const { pricing } = lookupPrice('gpt-4o-mini');
    const { need, promptTokens } = worstCase(request, pricing);
    expect(need.tokens).toBe(promptTokens + 50);
    expect(need.micros).toBe(costMicros({ promptTokens, completionTokens: 50 }, pricing));
  });

  it('takes its output cap from the agent, else the price table, else 4,096', () => {
    expect(outputCap('gpt-4o-mini', 50)).toBe(50);
    expect(outputCap('gpt-4o-mini-2024-07-18')).toBe(16_384);
    expect(outputCap('openai/gpt-5')).toBe(128_000);
    expect(outputCap('llama3.1:8b')).toBe(FALLBACK_OUTPUT_CAP);
  });
});

describe('budgetProblem', () => {
  it('refuses a cost budget for a model without a price, naming the model and the pricing fields', () => {
    expect(budgetProblem({ model: 'llama3.1:8b' }, { maxCost: 2 })).toMatch(/"llama3\.1:8b" has no known price.*\$2.*"pricing".*inputPerMTok.*outputPerMTok/);
    expect(budgetProblem({ model: 'llama3.1:8b', pricing: { inputPerMTok: 0, outputPerMTok: 0 } }, { maxCost: 2 })).toBeNull();
    expect(budgetProblem({ model: 'llama3.1:8b' }, { maxTokens: 1000 })).toBeNull();
    expect(budgetProblem({ model: 'gpt-4o' }, { maxCost: 2 })).toBeNull();
  });

  it('is enforced at the gate too: nothing is reserved or sent', () => {
    const b = new Budget({ maxCost: 1 });
    const gate = budgetGate(b, () => lookupPrice('llama3.1:8b'));
    expect(() => gate.before({ model: 'llama3.1:8b', messages: [{ role: 'user', content: 'hi' }] }, undefined)).toThrow(/no known price/);
    expect(b.reserved.micros).toBe(0);
  });
});
