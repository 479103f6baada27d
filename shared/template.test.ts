import { describe, expect, it } from 'vitest';
import { compileTemplate, missingColumns, parseTemplate, renderTemplate, templateColumns, TemplateError } from './template.ts';

describe('prompt template', () => {
  it('renders columns and keeps the text around them', () => {
    expect(renderTemplate('Q: {{question}} ({{ id }})', { question: 'Capital of France?', id: '7' })).toBe(
      'Q: Capital of France? (7)',
    );
  });
  it('lists the columns it names once each, in order', () => {
    expect(templateColumns('{{b}} {{a}} {{b}}')).toEqual(['b', 'a']);
  });
  it('finds the columns a header lacks', () => {
    expect(missingColumns('{{question}} {{context}}', ['question'])).toEqual(['context']);
  });
  it('says where an unclosed brace is', () => {
    expect(() => parseTemplate('abc {{question')).toThrow(TemplateError);
    expect(() => parseTemplate('abc {{question')).toThrow(/character 5/);
    expect(() => parseTemplate('x {{ }}')).toThrow(/empty/);
  });
  it('renders a missing value as empty and compiles once for many rows', () => {
    const render = compileTemplate('[{{a}}]');
    expect(render({})).toBe('[]');
    expect(render({ a: 'x' })).toBe('[x]');
  });
});
