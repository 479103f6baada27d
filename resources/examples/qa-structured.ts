// Questions answered with a structured tool: the task ends as soon as the model calls `answer` with
// valid arguments, and returns those arguments, typed.
import { ChatAgent, Task, defineTool, runBatchTasks } from '../../electron/core/engine/index.ts';
import { exampleModel, isMain, runDirect } from './run-direct.ts';

export interface AnswerArgs {
  answer: string;
  confidence: number;
}

export const AnswerTool = defineTool<AnswerArgs>({
  name: 'answer',
  description: 'Provide an answer',
  parameters: {
    type: 'object',
    properties: {
      answer: { type: 'string' },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
    },
    required: ['answer', 'confidence'],
    additionalProperties: false,
  },
});

export const questions = ['What is 2+2?', 'Capital of France?', 'Largest planet?'];

export async function main(baseURL?: string): Promise<string[]> {
  const agent = new ChatAgent({
    name: 'QA',
    model: exampleModel,
    baseURL,
    systemMessage: 'Answer the question briefly with the answer tool.',
    tools: [AnswerTool],
  });
  // returning(AnswerTool): the task resolves to AnswerArgs | null.
  const task = new Task(agent, { doneIfTool: true }).returning(AnswerTool);
  try {
    return await runBatchTasks(task, questions, {
      inputMap: (q) => q,
      outputMap: (tool) => (tool ? tool.answer : 'NO_ANSWER'),
      sequential: false,
      batchSize: 3,
    });
  } finally {
    await agent.close();
  }
}

if (isMain(import.meta.url)) {
  await runDirect(main, (answers) => {
    questions.forEach((q, i) => console.log(`${q} -> ${answers[i]}`));
  });
}
