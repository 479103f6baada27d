#!/usr/bin/env node
// The rowrunner command. The CLI is TypeScript that Node runs directly (type stripping).
import { nodeProblem } from './node-check.js';

const problem = nodeProblem('rowrunner');
if (problem) {
  process.stderr.write(problem);
  process.exit(2);
}
// Compiled code, TypeScript already stripped, is kept between runs (in the OS temp folder): every
// start, and every run's worker thread, would otherwise strip and compile the same modules again.
// Worker threads take the setting from the environment.
const { enableCompileCache } = await import('node:module');
const cache = enableCompileCache?.();
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
// A command that runs a batch starts its worker thread first: it loads the engine on the other core
// while this thread loads the CLI and reads the CSV.
if (['run', 'resume', 'retry-failed'].includes(process.argv[2]) && !process.argv.includes('--help') && !process.argv.includes('-h')) {
  const { startEarlyWorker } = await import('../electron/core/runs/worker-start.ts');
  const { cliWorkerUrl } = await import('../electron/core/runs/worker-bundle.ts');
  startEarlyWorker(cliWorkerUrl());
}
const { runCli } = await import('../electron/core/cli/main.ts');
await runCli();
