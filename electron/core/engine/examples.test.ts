// The pattern's three examples (resources/examples/), run against the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as codeAnalyzer from '../../../resources/examples/code-analyzer.ts';
import * as qa from '../../../resources/examples/qa-structured.ts';
import * as query from '../../../resources/examples/query-agent.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { isDone } from './tools.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 20 });
});
afterAll(async () => {
  await sim.close();
});

describe('examples', () => {
  it('code-analyzer: one vulnerability report per file, in order', async () => {
    const rows = await codeAnalyzer.main(sim.url);
    expect(rows.map((r) => r.id)).toEqual(['file1', 'file2', 'file3']);
    for (const [i, row] of rows.entries()) {
      const report = JSON.parse(row.result) as codeAnalyzer.VulnerabilityArgs;
      expect(typeof report.vulnerable).toBe('boolean');
      expect(['none', 'low', 'medium', 'high', 'critical']).toContain(report.severity);
      expect(report.explanation).toContain(codeAnalyzer.codeFiles[i].code.slice(0, 10));
    }
  });

  it('qa-structured: the typed answers, in order', async () => {
    const answers = await qa.main(sim.url);
    expect(answers).toEqual(qa.questions.map((q) => `Simulated answer: ${q}`));
  });

  it('query-agent: SQL on a real SQLite table, failures counted per clone', async () => {
    const { results, failuresPerClone, baseFailures } = await query.main(sim.url);
    // The simulator's "SQL" is not SQL: SQLite rejects it, each clone counts one failure of its own.
    expect(results).toHaveLength(3);
    for (const r of results) expect(r).toMatch(/syntax error/);
    expect(failuresPerClone).toEqual([1, 1, 1]);
    expect(baseFailures).toBe(0);
  });

  it('query-agent: the handler returns rows, and gives up after maxFailures', () => {
    const db = query.sampleDatabase();
    const agent = new query.QueryAgent({ name: 'q', model: 'm', baseURL: sim.url, apiKey: 'k', tools: [query.QueryTool] }, db, 2);
    const rows = agent.execute_query({ query: 'SELECT country, count(*) AS n FROM users GROUP BY country ORDER BY country' });
    expect(isDone(rows) && JSON.parse(rows.content)).toEqual([
      { country: 'FI', n: 1 },
      { country: 'UK', n: 1 },
      { country: 'US', n: 1 },
    ]);
    expect(agent.execute_query({ query: 'DELETE FROM users' })).toMatch(/only queries that return rows/);
    const gaveUp = agent.execute_query({ query: 'SELEC nonsense' });
    expect(isDone(gaveUp) && gaveUp.content).toBe('');
    expect(agent.failures).toBe(2);
    // A clone starts over.
    expect(agent.clone(0).failures).toBe(0);
    db.close();
    void agent.close();
  });
});
