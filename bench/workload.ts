// The benchmarks' one prompt and structured answer: a tool `answer` with {answer, confidence}.
export const SYSTEM = 'Answer the question by calling the answer tool.';
export const ANSWER_PARAMETERS = {
  type: 'object',
  properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
  required: ['answer', 'confidence'],
  additionalProperties: false,
};

/** The agent every CLI benchmark runs: a question in, the answer tool called once. */
export const BENCH_AGENT = {
  name: 'bench',
  model: 'gpt-4o-mini',
  systemMessage: SYSTEM,
  prompt: '{{question}}',
  tools: [{ name: 'answer', description: 'The answer.', parameters: ANSWER_PARAMETERS }],
  doneIfTool: true,
  output: { answer: 'answer', confidence: 'confidence' },
};
