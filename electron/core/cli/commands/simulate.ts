// rowrunner simulate: the built-in OpenAI-compatible test server, until Ctrl-C.
import { integer, parse, type Options } from '../args.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { help } from './help.ts';

const SIMULATE_OPTIONS: Options = { port: { type: 'string' }, latency: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

export async function simulateCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('simulate', args, SIMULATE_OPTIONS);
  if (v.help) return help(io);
  if (positionals.length) throw new UsageError(`simulate: unexpected argument ${positionals[0]}`);
  const port = integer(v, 'port');
  if (port !== undefined && (port < 0 || port > 65535)) throw new UsageError(`--port must be 0..65535, got ${port}`);
  const latency = integer(v, 'latency');
  if (latency !== undefined && latency < 0) throw new UsageError(`--latency must be ≥ 0, got ${latency}`);
  const { startSimulator } = await import('../../simulator/index.ts');
  let sim;
  try {
    sim = await startSimulator({ port: port ?? 0, latencyMs: latency ?? 0 });
  } catch (err) {
    throw new UsageError(`simulate: cannot listen on port ${port}: ${(err as Error).message}`);
  }
  io.stdout.write(`${sim.url}\n`);
  io.stderr.write(
    `Simulated endpoint listening (offline, deterministic answers). In another terminal:\n` +
      `  export OPENAI_BASE_URL=${sim.url} OPENAI_API_KEY=sk-simulated\n` +
      `  rowrunner run resources/samples/questions.csv --agent resources/samples/qa-agent.json\n` +
      `Ctrl-C stops it.\n`,
  );
  const running = sim;
  await new Promise<void>((resolve) => {
    const off = io.onInterrupt(() => {
      off();
      void running.close().then(resolve);
    });
  });
  return EXIT.ok;
}
