// The API key, set in the served app and used for a real run, is found nowhere it should not be: not
// in the SQLite files (the .db, -wal and -shm, read as raw bytes while the server runs and after it
// stops), the endpoint memory, uploads or exports (each xlsx part unzipped), the logs of `rowrunner
// serve` and of the CLI (stdout and stderr), nor the renderer's state in Chromium (the DOM and every
// input's value, localStorage, sessionStorage, cookies, and every WebSocket frame it received).
// A second key, seeded from OPENAI_API_KEY and never used, must not show up either.
import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../electron/core/cli/test-helpers.ts';
import { startSimulator, type Simulator } from '../electron/core/simulator/index.ts';
import { unzip } from '../electron/core/testing/zip.ts';
import { serve, tempDir, writeCsv, type Served } from './serve.ts';

let dir: string;
let served: Served | null = null;
let sim: Simulator | null = null;

test.beforeAll(() => {
  dir = tempDir('rr-e2e-secrets-');
});

test.afterAll(async () => {
  await served?.stop();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under a folder, recursively. */
function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((rel) => path.join(root, rel))
    .filter((f) => statSync(f).isFile());
}

test('an API key set in the app is in no database file, export, log or renderer state', async ({ page, context }) => {
  // Letters and digits only, so that no encoding (JSON, XML, CSV quoting) could disguise it.
  const SECRET = `sk-rr${randomBytes(16).toString('hex')}`;
  const ENV_SECRET = `sk-env${randomBytes(16).toString('hex')}`;
  const secrets = [SECRET, ENV_SECRET, SECRET.slice(6, 26), ENV_SECRET.slice(7, 27)];
  // The endpoint answers only with the key: items done prove the key was sent where it belongs.
  sim = await startSimulator({ apiKey: SECRET, latencyMs: 0 });

  const data = path.join(dir, 'data');
  const tmp = path.join(dir, 'tmp');
  mkdirSync(data);
  mkdirSync(tmp);
  served = await serve({ dbPath: path.join(data, 'rowrunner.db'), env: { OPENAI_API_KEY: ENV_SECRET, TMPDIR: tmp } });

  const received: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  await page.goto(served.url);

  const csv = writeCsv(dir, 'items.csv', ['id', 'text'], [
    ['1', 'alpha'],
    ['2', 'beta'],
    ['3', 'gamma [[status:400]]'],
    ['4', 'delta'],
    ['5', 'epsilon'],
  ]);
  await page.getByTestId('file-input').setInputFiles(csv);
  await expect(page.getByTestId('dataset-rows')).toHaveText('5');

  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('custom');
  await page.getByTestId('base-url-input').fill(sim.url);
  await page.getByTestId('model-input').fill('sim-model');
  await page.getByTestId('prompt-editor').fill('Say {{text}}');
  await page.getByTestId('key-input').fill(SECRET);
  await page.getByTestId('key-save').click();
  await expect(page.getByTestId('key-status')).toHaveText(/Key set/);
  await expect(page.getByTestId('key-input')).toHaveValue('');

  await page.getByTestId('nav-run').click();
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('run-status')).toContainText(/completed/i, { timeout: 60_000 });
  expect(Number(await page.getByTestId('count-done').textContent())).toBe(4);
  expect(Number(await page.getByTestId('count-failed').textContent())).toBe(1);

  await page.getByTestId('nav-results').click();
  await page.getByTestId('results-row-0').click();
  await expect(page.getByTestId('transcript')).toBeVisible();
  await page.getByTestId('detail-close').click();
  await page.getByTestId('results-row-2').click();
  await expect(page.getByTestId('detail-error')).toContainText('400');
  await page.getByTestId('detail-close').click();
  const exports: string[] = [];
  for (const format of ['xlsx', 'csv', 'jsonl']) {
    const download = page.waitForEvent('download');
    await page.getByTestId(`export-${format}`).click();
    const file = path.join(dir, `served-export.${format}`);
    await (await download).saveAs(file);
    exports.push(file);
  }

  // The renderer's state, after a reload too (what was persisted is read back).
  const renderer: Array<[string, string]> = [];
  const snapshot = async (when: string) => {
    renderer.push([`${when}: DOM`, await page.content()]);
    renderer.push([`${when}: input values`, JSON.stringify(await page.$$eval('input, textarea, select', (els) => els.map((e) => (e as HTMLInputElement).value)))]);
    renderer.push([`${when}: storage`, await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }))]);
    renderer.push([`${when}: cookies`, JSON.stringify(await context.cookies())]);
  };
  await snapshot('after the run');
  await page.getByTestId('nav-agent').click();
  await snapshot('on the agent screen');
  await page.reload();
  await page.getByTestId('nav-agent').click();
  await expect(page.getByTestId('key-status')).toHaveText(/Key set/);
  await snapshot('after a reload');
  expect(received.length).toBeGreaterThan(10);
  renderer.push(['WebSocket frames received', received.join('\n')]);
  expect(renderer.find(([what]) => what === 'after the run: storage')![1]).toContain(sim.url.replace(/\/v1$/, ''));

  // The same key through the CLI, its output captured.
  const agentFile = path.join(dir, 'agent.json');
  writeFileSync(agentFile, JSON.stringify({ name: 'cli', model: 'sim-model', prompt: 'Say {{text}}' }));
  const cliEnv = { OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: sim.url, ROWRUNNER_DB: path.join(data, 'cli.db'), TMPDIR: tmp };
  const cliOut = path.join(dir, 'cli-export.xlsx');
  const run = await runCli(['run', csv, '--agent', agentFile, '--out', cliOut, '--json'], cliEnv);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('"done":4');
  const cliCsv = path.join(dir, 'cli-export.csv');
  const exported = await runCli(['export', '1', '--out', cliCsv], cliEnv);
  const listed = await runCli(['runs', '--json'], cliEnv);
  exports.push(cliOut, cliCsv);
  const logs: Array<[string, string]> = [
    ['rowrunner run stdout', run.stdout],
    ['rowrunner run stderr', run.stderr],
    ['rowrunner export', exported.stdout + exported.stderr],
    ['rowrunner runs', listed.stdout + listed.stderr],
  ];

  // Files: read while the server still runs (the WAL holds the latest writes), and after it stops.
  const files: Array<[string, Buffer]> = [];
  const readFiles = (when: string) => {
    for (const f of [...filesUnder(data), ...filesUnder(tmp)]) files.push([`${when}: ${path.relative(dir, f)}`, readFileSync(f)]);
  };
  readFiles('running');
  expect(files.some(([name]) => name.endsWith('rowrunner.db-wal'))).toBe(true);
  await served.stop();
  logs.push(['rowrunner serve stdout', served.out()], ['rowrunner serve stderr', served.log()]);
  served = null;
  readFiles('stopped');
  for (const f of exports) {
    files.push([path.basename(f), readFileSync(f)]);
    if (f.endsWith('.xlsx')) for (const [part, bytes] of unzip(f)) files.push([`${path.basename(f)}: ${part}`, bytes]);
  }
  expect(files.some(([name]) => name.endsWith('rowrunner.db'))).toBe(true);
  expect(files.some(([name]) => name.endsWith('cli.db'))).toBe(true);
  expect(files.some(([name]) => name.includes('served-export.xlsx: xl/worksheets/sheet1.xml'))).toBe(true);

  // One search over everything.
  const haystacks: Array<[string, string]> = [
    ...renderer,
    ...logs,
    ...files.flatMap(([name, bytes]): Array<[string, string]> => [
      [name, bytes.toString('latin1')],
      [`${name} (UTF-16)`, bytes.toString('utf16le')],
    ]),
  ];
  const found = haystacks.flatMap(([where, text]) => secrets.filter((s) => text.includes(s)).map((s) => `${where} holds ${s === SECRET || s === ENV_SECRET ? 'a key' : 'part of a key'}`));
  expect(found).toEqual([]);
  // And the search saw what it should: the run's rows in the exports and the database, the URL in the log.
  expect(haystacks.filter(([, text]) => text.includes('epsilon')).length).toBeGreaterThan(5);
  expect(logs.find(([what]) => what === 'rowrunner serve stdout')![1]).toMatch(/token=/);
  expect(sim.stats().requests).toBeGreaterThanOrEqual(10);
});
