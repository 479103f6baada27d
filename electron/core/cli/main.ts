// The rowrunner command: run, resume, retry-failed, rerun, export, runs, datasets, rm, simulate (and serve, the web UI). It drives the same runs
// service as the desktop app, on the same database by default. Each command is in commands/; usage.ts is the contract.
import path from 'node:path';
import { CallError } from '../errors.ts';
import { help } from './commands/help.ts';
import { EXIT, UsageError } from './errors.ts';
import { CliFailure } from './failures.ts';
import type { CliIo } from './io.ts';
import { USAGE } from './usage.ts';

export type { CliIo } from './io.ts';

// Each command's modules are loaded when it is asked for: a run never loads the workbook library or
// the compare screen's code, and starts sooner for it.
function dispatch(command: string, rest: string[], io: CliIo): Promise<number> {
  switch (command) {
    case '-h':
    case '--help':
    case 'help':
      return Promise.resolve(help(io));
    case 'run':
      return import('./commands/run.ts').then((m) => m.runCommand(rest, io));
    case 'resume':
    case 'retry-failed':
      return import('./commands/continue.ts').then((m) => m.continueCommand(command, rest, io));
    case 'rerun':
      return import('./commands/rerun.ts').then((m) => m.rerunCommand(rest, io));
    case 'export':
      return import('./commands/export.ts').then((m) => m.exportCommand(rest, io));
    case 'runs':
      return import('./commands/runs.ts').then((m) => m.runsCommand(rest, io));
    case 'datasets':
      return import('./commands/datasets.ts').then((m) => m.datasetsCommand(rest, io));
    case 'rm':
      return import('./commands/rm.ts').then((m) => m.rmCommand(rest, io));
    case 'simulate':
      return import('./commands/simulate.ts').then((m) => m.simulateCommand(rest, io));
    case 'compare':
      return import('./commands/compare.ts').then((m) => m.compareCommand(rest, io));
    case 'serve':
      return import('../serve/command.ts').then(({ runServeCommand }) => runServeCommand(rest));
    case 'cache':
      return import('./commands/cache.ts').then((m) => m.cacheCommand(rest, io));
    default:
      throw new UsageError(`unknown command "${command}" (commands: run, resume, retry-failed, rerun, export, compare, runs, datasets, rm, simulate, serve, cache; see rowrunner --help)`);
  }
}

/** Runs one command; resolves to its exit code. Never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr.write(USAGE);
    return EXIT.badInput;
  }
  try {
    return await dispatch(command, rest, io);
  } catch (err) {
    const json = rest.includes('--json');
    if (err instanceof UsageError || (err instanceof CallError && err.code !== 'internal')) {
      io.stderr.write(`rowrunner: ${err.message}\n`);
      if (json) io.stdout.write(`${JSON.stringify({ error: err.message, exitCode: EXIT.badInput })}\n`);
      return EXIT.badInput;
    }
    if (err instanceof CliFailure) {
      io.stderr.write(`rowrunner: ${err.message}\n`);
      if (json) io.stdout.write(`${JSON.stringify({ error: err.message, exitCode: err.exitCode })}\n`);
      return err.exitCode;
    }
    io.stderr.write(`rowrunner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    if (json) io.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err), exitCode: EXIT.stopped })}\n`);
    return EXIT.stopped;
  }
}

/** The process entry: real streams, SIGINT, and the exit code. */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onInterrupt(handler) {
      const onInt = () => handler('SIGINT');
      const onTerm = () => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };
  const code = await main(argv, io);
  // Let stdout drain (a pipe), then leave even if a keep-alive socket lingers.
  process.stdout.write('', () => process.exit(code));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await runCli();
}
