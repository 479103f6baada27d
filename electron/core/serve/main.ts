// Runs `rowrunner serve` directly: node electron/core/serve/main.ts [--port N] [--db FILE]
import { runServeCommand } from './command.ts';

process.exit(await runServeCommand(process.argv.slice(2)));
