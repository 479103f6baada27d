// Analyze several code files for security vulnerabilities at once: one cloned agent per file, at most
// five at a time, results in the files' order.
import { ChatAgent, Task, defineTool, runBatchTasks } from '../../electron/core/engine/index.ts';
import { exampleModel, isMain, runDirect } from './run-direct.ts';

export interface VulnerabilityArgs {
  vulnerable: boolean;
  kind: 'buffer-overflow' | 'format-string' | 'injection' | 'other' | 'none';
  severity: 'none' | 'low' | 'medium' | 'high' | 'critical';
  explanation: string;
}

export const VulnerabilityTool = defineTool<VulnerabilityArgs>({
  name: 'report_vulnerability',
  description: 'Report whether the code has a security vulnerability',
  parameters: {
    type: 'object',
    properties: {
      vulnerable: { type: 'boolean' },
      kind: { type: 'string', enum: ['buffer-overflow', 'format-string', 'injection', 'other', 'none'] },
      severity: { type: 'string', enum: ['none', 'low', 'medium', 'high', 'critical'] },
      explanation: { type: 'string' },
    },
    required: ['vulnerable', 'kind', 'severity', 'explanation'],
    additionalProperties: false,
  },
});

export const codeFiles = [
  { id: 'file1', code: 'void foo() { strcpy(buf, input); }' },
  { id: 'file2', code: 'void bar() { strncpy(buf, input, sizeof(buf)); }' },
  { id: 'file3', code: 'void baz() { gets(buffer); }' },
];

export async function main(baseURL?: string): Promise<Array<{ id: string; result: string }>> {
  const agent = new ChatAgent({
    name: 'CodeAnalyzer',
    model: exampleModel,
    baseURL,
    systemMessage: 'Analyze code for security vulnerabilities. Report your finding with the report_vulnerability tool.',
    tools: [VulnerabilityTool],
  });
  // The tool has no handler, so the model's call to it is the result.
  const baseTask = new Task(agent);
  try {
    const results = await runBatchTasks(baseTask, codeFiles, {
      inputMap: (f) => `Analyze this code:\n${f.code}`,
      outputMap: (r) => (r ? r.content : 'ANALYSIS_FAILED'),
      handleExceptions: 'return-none',
      sequential: false,
      batchSize: 5,
    });
    return codeFiles.map((file, i) => ({ id: file.id, result: results[i] ?? 'ANALYSIS_FAILED' }));
  } finally {
    await agent.close();
  }
}

if (isMain(import.meta.url)) {
  await runDirect(main, (rows) => {
    for (const { id, result } of rows) console.log(`${id}: ${result}`);
  });
}
