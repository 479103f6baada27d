// Starts `rowrunner serve` as a child process (the real command, in its own process so a test can
// kill it mid-run) and reads the URL it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface Served {
  url: string;
  port: number;
  proc: ChildProcess;
  /** stderr so far (for failure messages). */
  log(): string;
  /** stdout so far. */
  out(): string;
  /** SIGKILL: the process dies mid-run, as a crash would. */
  kill(): Promise<void>;
  /** SIGTERM: a clean stop. */
  stop(): Promise<void>;
}

export function tempDir(prefix = 'rr-e2e-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function serve(options: { dbPath: string; port?: number; env?: Record<string, string> }): Promise<Served> {
  const args = [path.join(ROOT, 'bin', 'rowrunner.js'), 'serve', '--db', options.dbPath];
  if (options.port) args.push('--port', String(options.port));
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rowrunner serve printed no URL in 30 s:\n${stderr}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => /^http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(l.trim()));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rowrunner serve exited with ${code}:\n${stderr}`));
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    url,
    port: Number(new URL(url).port),
    proc,
    log: () => stderr,
    out: () => stdout,
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Writes a CSV file and returns its path. */
export function writeCsv(dir: string, name: string, header: string[], rows: string[][]): string {
  const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const text = [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}
