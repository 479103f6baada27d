// The set-up that tests and benches of runs share: a CSV of questions (columns id,question) and a
// question-answering agent whose `answer` tool fills the result columns.
import { once } from 'node:events';
import fs from 'node:fs';
import type { AgentSpecInput } from '../../../shared/domain.ts';
import { beginDataset, finishDataset, insertDatasetRows, setDatasetHeader } from '../store/datasets.ts';
import { openDatabase } from '../store/db.ts';

/** gpt-4o-mini's prices, so that a run against the simulator has costs to count. */
export const TEST_PRICING = { inputPerMTok: 0.15, outputPerMTok: 0.6 } as const;

/** Writes `count` rows, row i holding question(i); streamed, so that 100,000 rows stay in flat memory. */
export async function writeQuestionsCsv(file: string, count: number, question: (i: number) => string = (i) => `question ${i}`): Promise<string> {
  const out = fs.createWriteStream(file);
  out.write('id,question\n');
  for (let i = 0; i < count; i++) {
    if (!out.write(`${i},${question(i)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return file;
}

/**
 * A dataset of `count` questions (one column, question, row i `q{i}`) written straight into the store
 * at dbPath: an import of hundreds of thousands of rows would take longer than the test. Returns its id.
 */
export function questionsInStore(dbPath: string, count: number, name = 'questions'): number {
  const db = openDatabase(dbPath);
  try {
    return db.transaction(() => {
      const id = beginDataset(db, { name, sourcePath: null });
      setDatasetHeader(db, id, { columns: ['question'], notes: [], delimiter: ',', encoding: 'utf-8' });
      insertDatasetRows(db, id, 0, Array.from({ length: count }, (_, i) => [`q${i}`]));
      finishDataset(db, id, count);
      return id;
    })();
  } finally {
    db.close();
  }
}

export interface QaAgentOptions extends Partial<AgentSpecInput> {
  /** The tool also asks for a confidence from 0 to 1, a second column. */
  confidence?: boolean;
  /** false: no tool; the model's text is the answer, in the one column `result`. Default true. */
  answerTool?: boolean;
}

/** An agent that answers each row's {{question}} with one call of its `answer` tool (or in text). */
export function qaAgent(baseURL: string | undefined, options: QaAgentOptions = {}): AgentSpecInput {
  const { confidence = false, answerTool = true, ...extra } = options;
  if (!answerTool) return { name: 'qa', model: 'sim-model', ...(baseURL ? { baseURL } : {}), prompt: 'Answer: {{question}}', ...extra };
  const properties: Record<string, unknown> = { answer: { type: 'string' } };
  if (confidence) properties.confidence = { type: 'number', minimum: 0, maximum: 1 };
  return {
    name: 'qa',
    model: 'sim-model',
    ...(baseURL ? { baseURL } : {}),
    prompt: 'Answer: {{question}}',
    tools: [
      {
        name: 'answer',
        description: 'Give the answer',
        parameters: { type: 'object', properties, required: Object.keys(properties) },
      },
    ],
    doneIfTool: true,
    output: confidence ? { answer: 'answer', confidence: 'confidence' } : { answer: 'answer' },
    ...extra,
  };
}
