// LangChain.js: ChatOpenAI with structured output (a function call), .batch() at maxConcurrency C over a
// CSV, results written as JSON lines at the end.
//   node langchain.mjs ITEMS.csv --concurrency C --out results.jsonl   (OPENAI_BASE_URL, OPENAI_API_KEY)
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ChatOpenAI } from '@langchain/openai';
import { parse } from 'csv-parse/sync';

const { values, positionals } = parseArgs({ options: { concurrency: { type: 'string' }, out: { type: 'string' } }, allowPositionals: true });
const rows = parse(fs.readFileSync(positionals[0]), { columns: true, skip_empty_lines: true });
const model = new ChatOpenAI({ model: 'gpt-4o-mini', configuration: { baseURL: process.env.OPENAI_BASE_URL } });
const answer = model.withStructuredOutput(
  {
    type: 'object',
    properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
    required: ['answer', 'confidence'],
    additionalProperties: false,
  },
  { name: 'answer', method: 'functionCalling' },
);

const inputs = rows.map((row) => [
  ['system', 'Answer the question by calling the answer tool.'],
  ['human', row.question],
]);
const outputs = await answer.batch(inputs, { maxConcurrency: Number(values.concurrency ?? 8) }, { returnExceptions: true });
const results = outputs.map((o, i) => (o instanceof Error ? { id: rows[i].id, error: String(o) } : { id: rows[i].id, ...o }));
fs.writeFileSync(values.out ?? 'results.jsonl', results.map((r) => JSON.stringify(r)).join('\n') + '\n');
const failed = results.filter((r) => r.error).length;
console.log(JSON.stringify({ items: results.length, done: results.length - failed, failed }));
