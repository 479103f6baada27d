// Creating a run renders every prompt in SQLite (prompt-sql.ts): the prompts must be exactly what
// compileTemplate renders from each row, whatever the values hold.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { compileTemplate } from '../../../shared/template.ts';
import { qaAgent } from '../testing/fixtures.ts';
import { createRunService, type RunService } from './service.ts';

let dir: string;
let svc: RunService;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-create-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const VALUES = [
  'plain',
  'with "quotes", commas, and a\nline break',
  "it's 100% $1 ? \\ back\\slash {{not a column}}",
  'ünïcödé · 日本語 · emoji 🎉',
  '',
  '  spaces kept  ',
  '{"json": [1, 2]}',
  'tab\there',
];

it('stores each prompt as compileTemplate renders it from the row, for any values', async () => {
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const header = ['id', 'text', 'note'];
  const rows = VALUES.map((v, i) => [String(i), v, VALUES[(i + 3) % VALUES.length]]);
  // A short row: its missing column renders as ''.
  const lines = [header.join(','), ...rows.map((r) => r.map(quote).join(',')), '99,"short row"'];
  const file = path.join(dir, 'odd.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const ds = await svc.importDataset(file, { ragged: 'pad' });
  const template = "Row {{id}}: '{{ text }}' — note? {{note}} {{text}}%";
  const run = svc.createRun({ datasetId: ds.id, agent: qaAgent('http://127.0.0.1:9', { prompt: template }) });
  const render = compileTemplate(template);
  const all = [...rows, ['99', 'short row', '']];
  expect(run.totals.items).toBe(all.length);
  for (const [i, r] of all.entries()) {
    const expected = render({ id: r[0], text: r[1], note: r[2] });
    expect(svc.itemDetail(run.runId, i).prompt, `row ${i}`).toBe(expected);
  }
});

it('creates items for the first `limit` rows only, all pending', async () => {
  const file = path.join(dir, 'n.csv');
  fs.writeFileSync(file, `q\n${Array.from({ length: 50 }, (_, i) => `question ${i}`).join('\n')}\n`);
  const ds = await svc.importDataset(file);
  const run = svc.createRun({ datasetId: ds.id, agent: qaAgent('http://127.0.0.1:9', { prompt: 'Q: {{q}}' }), limit: 20 });
  expect(run.totals).toMatchObject({ items: 20, pending: 20 });
  expect(svc.itemDetail(run.runId, 19).prompt).toBe('Q: question 19');
  expect(() => svc.itemDetail(run.runId, 20)).toThrow();
});
