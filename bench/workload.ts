// The benchmarks' one prompt and structured answer: a tool `answer` with {answer, confidence}.
export const SYSTEM = 'Answer the question by calling the answer tool.';
export const ANSWER_PARAMETERS = {
  type: 'object',
  properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
  required: ['answer', 'confidence'],
  additionalProperties: false,
};
