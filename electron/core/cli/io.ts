// What a command writes to and reads from: the process's streams and environment, or a test's.
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  /** Registers a Ctrl-C handler; returns its remover. */
  onInterrupt(handler: () => void): () => void;
}
