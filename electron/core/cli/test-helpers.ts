// Spawning the real rowrunner command in tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '../../../bin/rowrunner.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  result: Promise<CliResult>;
  /** Resolves once stderr contains the text. */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves once stdout contains the text. */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray>;
}

/** `as`: run as this user and group (the test must be root to give them). */
export function spawnCli(args: string[], env: Record<string, string | undefined>, cwd?: string, as?: { uid: number; gid: number }): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...as,
  });
  const text = { stdout: '', stderr: '' };
  const waiters: { stream: 'stdout' | 'stderr'; pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onData = (stream: 'stdout' | 'stderr') => (d: string) => {
    text[stream] += d;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].stream !== stream) continue;
      const m = text[stream].match(waiters[i].pattern);
      if (m) {
        waiters[i].resolve(m);
        waiters.splice(i, 1);
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', onData('stdout'));
  child.stderr!.setEncoding('utf8').on('data', onData('stderr'));
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: text.stdout, stderr: text.stderr }));
  });
  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray> => {
    const m = text[stream].match(pattern);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      waiters.push({ stream, pattern, resolve });
      void result.then(() => reject(new Error(`exited before ${stream} matched ${pattern}:\n${text.stderr}`)));
    });
  };
  return {
    child,
    result,
    waitForStderr: (pattern) => waitFor('stderr', pattern),
    waitForStdout: (pattern) => waitFor('stdout', pattern),
  };
}

export function runCli(args: string[], env: Record<string, string | undefined>, cwd?: string, as?: { uid: number; gid: number }): Promise<CliResult> {
  return spawnCli(args, env, cwd, as).result;
}

/** The JSON object printed last on stdout. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}
