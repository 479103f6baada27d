#!/usr/bin/env node
// The rowrunner command. The CLI is TypeScript that Node runs directly (type stripping, Node 22.18+).
if (!process.features.typescript) {
  process.stderr.write(
    `rowrunner needs a Node.js that runs TypeScript directly (22.18 or later; 24 recommended); this is ${process.version}.\n`,
  );
  process.exit(2);
}
const { runCli } = await import('../electron/core/cli/main.ts');
await runCli();
