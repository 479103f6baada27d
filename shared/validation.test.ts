import { describe, expect, it } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema } from './domain.ts';
import { agentLabel, runOptionLabel } from './labels.ts';
import { checkPrompt, promptColumnsMessage, validate } from './validation.ts';

describe('the prompt against the columns', () => {
  it('flags missing columns and unclosed braces', () => {
    expect(checkPrompt('{{a}} {{b}}', ['a'])).toEqual({ syntax: null, missing: ['b'] });
    expect(checkPrompt('{{a}} {{b}}', null)).toEqual({ syntax: null, missing: [] });
    expect(checkPrompt('{{a', ['a']).syntax).toMatch(/unclosed "\{\{" at character 1/);
  });

  it('has one message naming what is missing, where, and what is there', () => {
    expect(promptColumnsMessage(['a', 'b'], ['id', 'review'], 'items.csv')).toBe('The prompt names {{a}}, {{b}}, which items.csv lacks (its columns: id, review).');
    expect(promptColumnsMessage(['a'], [])).toBe('The prompt names {{a}}, which the CSV lacks (its columns: none).');
  });

  it('lists at most 20 of a wide header', () => {
    const columns = Array.from({ length: 500 }, (_, i) => `c${i}`);
    const message = promptColumnsMessage(['x'], columns);
    expect(message).toContain('c19, … (500 in all)');
    expect(message).not.toContain('c20');
  });
});

describe('schema failures by field label', () => {
  it('labels each agent field and says what is wrong in words', () => {
    const r = validate(AgentSpecSchema, { name: '', model: 'm', prompt: 'p', baseURL: 'localhost:1', temperature: 3, pricing: { inputPerMTok: -1 }, tools: [{ name: 'a b' }] }, agentLabel);
    expect(r.data).toBeNull();
    expect(r.issues.map((i) => i.text)).toEqual([
      'Agent name is required',
      'Base URL must be an http:// or https:// URL, such as http://localhost:11434/v1',
      'Tool 1: name: letters, digits, _ or -, at most 64',
      'Temperature must be at most 2',
      'Price in must be at least 0',
      'Price out is required',
    ]);
    expect(r.issues.map((i) => i.kind)).toEqual(['required', 'invalid', 'invalid', 'invalid', 'invalid', 'required']);
    expect(r.issues.map((i) => i.path)).toContain('pricing.outputPerMTok');
  });

  it('keeps a rule\'s own message and labels output columns by name', () => {
    const r = validate(AgentSpecSchema, { name: 'n', model: 'm', prompt: 'p', turns: 0 }, agentLabel);
    expect(r.issues.map((i) => i.text)).toEqual(['Turns must be -1 (no limit) or at least 1']);
    const output = validate(AgentSpecSchema, { name: 'n', model: 'm', prompt: 'p', output: { label: 'verdict' } }, agentLabel);
    expect(output.issues[0].text).toMatch(/^Output column "label" names the tool argument "verdict", but the agent has no tools/);
  });

  it('labels run options and passes a good value through with its defaults', () => {
    const bad = validate(RunOptionsSchema, { batchSize: 0, maxTokens: 1.5, rpm: 'x', onError: 'ignore' }, runOptionLabel);
    expect(bad.issues.map((i) => i.text)).toEqual([
      'Batch size must be above 0',
      'On error must be one of "stop", "continue"',
      'Max tokens must be a whole number',
      'Requests per minute must be a number',
    ]);
    expect(validate(RunOptionsSchema, {}, runOptionLabel)).toEqual({ data: { batchSize: 8, sequential: false, onError: 'continue' }, issues: [] });
  });

  it('names a field the schema does not have', () => {
    expect(validate(RunOptionsSchema, { batchsize: 4 }, runOptionLabel).issues[0].text).toBe('The run has no field "batchsize"');
  });
});
