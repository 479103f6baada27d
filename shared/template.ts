// The prompt template: {{column}} names a column of the CSV. The same code renders the renderer's live
// preview and the engine's prompts, so what a user previews is what the model gets.

export type TemplatePart = { text: string } | { column: string };

export class TemplateError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'TemplateError';
    this.position = position;
  }
}

/** Splits a template into text and column parts; throws TemplateError on an unclosed or empty {{ }}. */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    if (open < 0) {
      parts.push({ text: template.slice(at) });
      break;
    }
    if (open > at) parts.push({ text: template.slice(at, open) });
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`unclosed "{{" at character ${open + 1}`, open);
    const column = template.slice(open + 2, close).trim();
    if (!column) throw new TemplateError(`empty "{{}}" at character ${open + 1}`, open);
    parts.push({ column });
    at = close + 2;
  }
  return parts;
}

/** The columns a template names, each once, in the order they first appear. */
export function templateColumns(template: string): string[] {
  const seen = new Set<string>();
  for (const part of parseTemplate(template)) if ('column' in part) seen.add(part.column);
  return [...seen];
}

/** The columns a template names that the header lacks. */
export function missingColumns(template: string, header: readonly string[]): string[] {
  const have = new Set(header);
  return templateColumns(template).filter((c) => !have.has(c));
}

/** Compiles a template once into a renderer for many rows. */
export function compileTemplate(template: string): (row: Readonly<Record<string, string | undefined>>) => string {
  const parts = parseTemplate(template);
  return (row) => {
    let out = '';
    for (const part of parts) out += 'text' in part ? part.text : (row[part.column] ?? '');
    return out;
  };
}

export function renderTemplate(template: string, row: Readonly<Record<string, string | undefined>>): string {
  return compileTemplate(template)(row);
}
