// `rowrunner serve [--port N] [--db FILE]`: starts the served app and prints its URL (token included)
// on a line of its own; runs until SIGINT/SIGTERM, then stops the runs cleanly (they can be resumed).
import { parseArgs } from 'node:util';
import { defaultDbPath } from '../store/paths.ts';
import { buildRendererIfMissing } from './build-renderer.ts';
import { defaultRendererDir, startServer } from './server.ts';

export const SERVE_USAGE = `Usage: rowrunner serve [--port N] [--db FILE]

Serves the Rowrunner app at http://127.0.0.1:PORT (loopback only) and prints its URL with a
one-time token. Open it in a browser on this machine, or through an SSH tunnel:
  ssh -L PORT:127.0.0.1:PORT host   then open the printed URL locally.

  --port N     port to listen on (default: a free one)
  --db FILE    database file (default: $ROWRUNNER_DB, else the per-user data folder's)
`;

export interface ServeIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the process is asked to stop; default: SIGINT or SIGTERM. */
  stopSignal?: Promise<unknown>;
  /** Where the built renderer is (built there first when missing); default: out/renderer. */
  rendererDir?: string;
}

export async function runServeCommand(argv: string[], io?: ServeIo): Promise<number> {
  const out = io?.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io?.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let values: { port?: string; db?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string', short: 'p' }, db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err(`rowrunner serve: ${(e as Error).message}`);
    err(SERVE_USAGE);
    return 2;
  }
  if (values.help) {
    out(SERVE_USAGE);
    return 0;
  }
  let port = 0;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) {
      err(`rowrunner serve: --port must be a number from 0 to 65535, not "${values.port}"`);
      return 2;
    }
  }
  const dbPath = values.db ?? defaultDbPath();
  const rendererDir = io?.rendererDir ?? defaultRendererDir();
  let server;
  try {
    await buildRendererIfMissing(rendererDir, err);
    server = await startServer({ port, dbPath, rendererDir, log: (line) => err(line) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') err(`rowrunner serve: port ${port} is in use; pick another with --port, or omit it for a free one.`);
    else err(`rowrunner serve: ${(e as Error).message}`);
    return 1;
  }
  err(`Rowrunner is serving ${dbPath} on 127.0.0.1:${server.port}. Open:`);
  out(server.url);
  err('Press Ctrl+C to stop (running runs are stopped and can be resumed).');

  const stop =
    io?.stopSignal ??
    new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
  await stop;
  err('Stopping…');
  await server.close();
  return 0;
}
