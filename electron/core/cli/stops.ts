// How the CLI takes a stop request, from the moment it starts importing until its run ends. The first
// SIGINT or SIGTERM asks for a clean cancel; a SIGTERM after it (`timeout` sends one after a Ctrl-C)
// asks for nothing more. Only a second Ctrl-C from the user forces a quit.
import type { CliIo, Interrupt } from './io.ts';

export type StopKind = 'cancel' | 'force';

export interface Stops {
  /** Whether a stop was asked for. */
  readonly requested: boolean;
  /** What a stop does from now on; a stop asked for earlier is handed over at once. */
  handle(handler: (kind: StopKind) => void): void;
  close(): void;
}

export function watchStops(io: CliIo): Stops {
  let requested = false;
  let userInterrupts = 0;
  let handler: ((kind: StopKind) => void) | undefined;
  // One listener for the command's whole life: a signal caught while no listener exists is lost.
  const off = io.onInterrupt((signal: Interrupt) => {
    if (signal === 'SIGINT') userInterrupts++;
    if (!requested) {
      requested = true;
      handler?.('cancel');
    } else if (signal === 'SIGINT' && userInterrupts >= 2) handler?.('force');
  });
  return {
    get requested() {
      return requested;
    },
    handle(h) {
      handler = h;
      if (requested) h(userInterrupts >= 2 ? 'force' : 'cancel');
    },
    close: off,
  };
}
