// Exit codes of the rowrunner command, and the error that means "bad input or usage" (exit 2).
export const EXIT = {
  /** The run finished with at least one row done (failed ones allowed under --on-error continue); or a command other than a run succeeded. */
  ok: 0,
  /** No row was done, stopped by an item's error (--on-error stop), cancelled (Ctrl-C, SIGTERM), or interrupted. */
  stopped: 1,
  /** Bad input or usage: the message says what and where, and no output file is written. */
  badInput: 2,
  /** Stopped by a budget (--max-cost, --max-tokens). */
  budget: 3,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
