// The floor of what a user could write in an afternoon: the openai SDK and p-limit over a CSV, one
// tool-call answer per row, results written as JSON lines at the end.
//   node script.mjs ITEMS.csv --concurrency C --out results.jsonl   (OPENAI_BASE_URL, OPENAI_API_KEY)
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import OpenAI from 'openai';
import pLimit from 'p-limit';

const { values, positionals } = parseArgs({ options: { concurrency: { type: 'string' }, out: { type: 'string' } }, allowPositionals: true });
const rows = parse(fs.readFileSync(positionals[0]), { columns: true, skip_empty_lines: true });
const client = new OpenAI();
const limit = pLimit(Number(values.concurrency ?? 8));
const tools = [
  {
    type: 'function',
    function: {
      name: 'answer',
      description: 'The answer.',
      parameters: {
        type: 'object',
        properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
        required: ['answer', 'confidence'],
        additionalProperties: false,
      },
    },
  },
];

const results = await Promise.all(
  rows.map((row) =>
    limit(async () => {
      try {
        const res = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: 'Answer the question by calling the answer tool.' },
            { role: 'user', content: row.question },
          ],
          tools,
        });
        const call = res.choices[0].message.tool_calls?.[0];
        return { id: row.id, ...JSON.parse(call.function.arguments), usage: res.usage };
      } catch (err) {
        return { id: row.id, error: String(err) };
      }
    }),
  ),
);
fs.writeFileSync(values.out ?? 'results.jsonl', results.map((r) => JSON.stringify(r)).join('\n') + '\n');
const failed = results.filter((r) => r.error).length;
console.log(JSON.stringify({ items: results.length, done: results.length - failed, failed }));
