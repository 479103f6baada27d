// A stateful agent: its `execute_query` tool runs SQL against a real SQLite database and counts its
// own failures. Every item gets a clone whose counter starts at zero (its constructor runs again, and
// initState), while all clones share the one database handle (cloneArgs passes it on).
import Database from 'better-sqlite3';
import { ChatAgent, Task, defineTool, done, runBatchTaskGen, type ChatAgentConfig, type Done } from '../../electron/core/engine/index.ts';
import { exampleModel, isMain, runDirect } from './run-direct.ts';

export interface QueryArgs {
  query: string;
}

export const QueryTool = defineTool<QueryArgs>({
  name: 'execute_query',
  description: 'Run one read-only SQL query (SQLite) and get its rows as JSON',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false },
});

export class QueryAgent extends ChatAgent {
  readonly db: Database.Database;
  readonly maxFailures: number;
  failures = 0;

  constructor(config: ChatAgentConfig, db: Database.Database, maxFailures = 3) {
    super(config);
    this.db = db;
    this.maxFailures = maxFailures;
  }

  // A clone runs the constructor again: it gets the same database handle and limit.
  protected override cloneArgs(config: ChatAgentConfig): unknown[] {
    return [config, this.db, this.maxFailures];
  }

  override initState(): void {
    super.initState();
    this.failures = 0; // reset per clone
  }

  execute_query(args: QueryArgs): string | Done {
    try {
      const statement = this.db.prepare(args.query);
      if (!statement.reader) throw new Error('only queries that return rows (SELECT) are allowed');
      return done(JSON.stringify(statement.all()));
    } catch (e) {
      this.failures += 1;
      if (this.failures >= this.maxFailures) return done('');
      return `Error: ${(e as Error).message}. Fix and retry.`;
    }
  }
}

export function sampleDatabase(): Database.Database {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total REAL NOT NULL);
    INSERT INTO users (name, country) VALUES ('Ada', 'UK'), ('Grace', 'US'), ('Linus', 'FI');
    INSERT INTO orders (user_id, total) VALUES (1, 12.5), (1, 30), (2, 99.99), (3, 5);
  `);
  return db;
}

export const questions = ['How many users are there?', 'What is the total of all orders?', 'Which country has the most orders?'];

export interface QueryResults {
  results: string[];
  /** Each clone's own failure count. */
  failuresPerClone: number[];
  /** The base agent's, untouched by the batch. */
  baseFailures: number;
}

export async function main(baseURL?: string): Promise<QueryResults> {
  const db = sampleDatabase();
  const agent = new QueryAgent(
    {
      name: 'QueryAgent',
      model: exampleModel,
      baseURL,
      systemMessage:
        'Answer questions about a SQLite database with the execute_query tool. Tables: users(id, name, country), orders(id, user_id, total).',
      tools: [QueryTool],
    },
    db,
  );
  const baseTask = new Task(agent);
  const clones: Task[] = [];
  try {
    const results = await runBatchTaskGen(
      (i) => {
        const task = baseTask.clone(i);
        clones[i] = task;
        return task;
      },
      questions,
      { outputMap: (r) => r?.content ?? '', batchSize: 3 },
    );
    return { results, failuresPerClone: clones.map((t) => (t.agent as QueryAgent).failures), baseFailures: agent.failures };
  } finally {
    await agent.close();
    db.close();
  }
}

if (isMain(import.meta.url)) {
  await runDirect(main, ({ results, failuresPerClone }) => {
    questions.forEach((q, i) => console.log(`${q} -> ${results[i] || '(gave up)'} [failures: ${failuresPerClone[i]}]`));
  });
}
