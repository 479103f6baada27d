// The test server in a process of its own, so that a benchmark's figures are not the server's.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const SIMULATOR = path.resolve(import.meta.dirname, '../electron/core/simulator/main.ts');

/** Starts the simulator on a free loopback port with `latencyMs`; resolves to its URL once it listens. */
export async function startSimulatorProcess(latencyMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [SIMULATOR, '--port', '0', '--latency', String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('http'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited (code ${code}) before listening`)));
  });
  return { url, child };
}
