// What a command writes to and reads from: the process's streams and environment, or a test's.
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  /** Registers a handler for Ctrl-C (SIGINT) and SIGTERM; returns its remover. */
  onInterrupt(handler: (signal: Interrupt) => void): () => void;
}

export type Interrupt = 'SIGINT' | 'SIGTERM';
