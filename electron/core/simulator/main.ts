// Starts a simulator standalone and prints its base URL on one line; stopped (SIGINT, SIGTERM), it
// prints one more, JSON: its request count, and when (Date.now()) the first came and the last answer went:
//   node electron/core/simulator/main.ts --port 8787 --latency 100 [--jitter 50] [--seed 1]
//     [--batch-delay MS] [--rpm 600] [--api-key KEY] [--faults error500=0.05,rateLimit429=0.05,malformedToolArgs=0.1,hang=0,drop=0]
import { parseArgs } from 'node:util';
import { startSimulator } from './index.ts';
import type { FaultRates, SimulatorOptions } from './index.ts';

const FAULTS = ['error500', 'rateLimit429', 'malformedToolArgs', 'hang', 'drop'];

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, got "${value}"`);
  return n;
}

function faults(spec: string | undefined): FaultRates | undefined {
  if (!spec) return undefined;
  const out: Record<string, number> = {};
  for (const pair of spec.split(',')) {
    const [key, value] = pair.split('=');
    if (!FAULTS.includes(key)) throw new Error(`unknown fault "${key}" (known: ${FAULTS.join(', ')})`);
    const rate = num(`faults ${key}`, value) ?? 0;
    if (rate > 1) throw new Error(`fault rate ${key}=${value} is above 1`);
    out[key] = rate;
  }
  return out;
}

try {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      latency: { type: 'string' },
      jitter: { type: 'string' },
      seed: { type: 'string' },
      rpm: { type: 'string' },
      'batch-delay': { type: 'string' },
      'api-key': { type: 'string' },
      faults: { type: 'string' },
    },
  });
  const rpm = num('rpm', values.rpm);
  const options: SimulatorOptions = {
    port: num('port', values.port) ?? 0,
    latencyMs: num('latency', values.latency),
    latencyJitterMs: num('jitter', values.jitter),
    seed: num('seed', values.seed),
    rateLimit: rpm ? { rpm } : undefined,
    apiKey: values['api-key'],
    batch: { processingMs: num('batch-delay', values['batch-delay']) },
    faults: faults(values.faults),
  };
  const sim = await startSimulator(options);
  process.stdout.write(`${sim.url}\n`);
  const stop = (): void => {
    const { requests, firstRequestAt, lastAnswerAt } = sim.stats();
    process.stdout.write(`${JSON.stringify({ requests, firstRequestAt, lastAnswerAt })}\n`);
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
