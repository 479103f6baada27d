// The served-mode bridge: the contract carried over one WebSocket as JSON text frames.
//   request  { id, call, req }            → reply { id, ok: true, res } | { id, ok: false, error }
//   event    { event, payload }           (pushed by the core)
// The socket reconnects with backoff when it drops (the server may restart). Calls made while it is
// down wait for it; calls in flight when it drops are sent again if they only read, and rejected
// otherwise, because a write (say run:start) may already have happened and must not happen twice.
// DOM-free so it can be tested in Node with a fake socket.
import { ErrorReasonSchema, type CallName, type CallRequest, type CallResponse, type ContractError, type EventName, type EventPayload, type RowrunnerApi } from '../../shared/contract.ts';

/** The error every call rejects with: an Error that is also a ContractError. */
export class BridgeError extends Error implements ContractError {
  readonly code: ContractError['code'];
  readonly fields?: string[];
  readonly reason?: ContractError['reason'];
  constructor(error: ContractError) {
    super(error.message);
    this.name = 'BridgeError';
    this.code = error.code;
    if (error.fields) this.fields = error.fields;
    if (error.reason) this.reason = error.reason;
  }
}

/** Calls that only read: safe to send again after a reconnect. */
export const READ_CALLS: ReadonlySet<CallName> = new Set<CallName>([
  'app:info',
  'dataset:rows',
  'dataset:samples',
  'run:estimate',
  'run:get',
  'runs:list',
  'items:page',
  'item:detail',
]);

/** The part of the browser's WebSocket that the bridge uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface BridgeOptions {
  url: string;
  createSocket: (url: string) => SocketLike;
  /** Backoff after a drop: first delay and ceiling, ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  random?: () => number;
}

export interface Bridge extends RowrunnerApi {
  state(): ConnectionState;
  /** Connection state changes; `reconnected` is true when the socket opens again after a drop. */
  onState(listener: (state: ConnectionState, reconnected: boolean) => void): () => void;
  close(): void;
}

interface Pending {
  id: number;
  call: CallName;
  frame: string;
  sent: boolean;
  resolve: (value: unknown) => void;
  reject: (error: BridgeError) => void;
}

const OPEN = 1;

export function createBridge(options: BridgeOptions): Bridge {
  const minDelay = options.minDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 5000;
  const setTimer = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clearTimer = options.clearTimeout ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>));
  const random = options.random ?? Math.random;

  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState, reconnected: boolean) => void>();
  let socket: SocketLike | null = null;
  let state: ConnectionState = 'connecting';
  let everOpened = false;
  let attempt = 0;
  let timer: unknown = null;
  let closed = false;

  function setState(next: ConnectionState, reconnected = false): void {
    if (next === state && !reconnected) return;
    state = next;
    for (const l of [...stateListeners]) l(next, reconnected);
  }

  function flush(): void {
    if (!socket || socket.readyState !== OPEN) return;
    for (const p of pending.values()) {
      if (p.sent) continue;
      p.sent = true;
      socket.send(p.frame);
    }
  }

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    const m = msg as Record<string, unknown>;
    if (typeof m.event === 'string') {
      const set = listeners.get(m.event);
      if (set) for (const l of [...set]) l(m.payload);
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok === true) p.resolve(m.res);
    else p.reject(new BridgeError(asContractError(m.error)));
  }

  function connect(): void {
    if (closed) return;
    let s: SocketLike;
    try {
      s = options.createSocket(options.url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = s;
    s.onopen = () => {
      if (socket !== s) return;
      attempt = 0;
      const reconnected = everOpened;
      everOpened = true;
      setState('open', reconnected);
      flush();
    };
    s.onmessage = (ev) => {
      if (socket === s) onMessage(ev.data);
    };
    s.onerror = () => {
      // onclose follows; nothing to do here.
    };
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      dropInFlight();
      scheduleReconnect();
    };
  }

  function dropInFlight(): void {
    for (const p of [...pending.values()]) {
      if (!p.sent) continue;
      if (READ_CALLS.has(p.call)) {
        p.sent = false; // sent again once the socket is back
      } else {
        pending.delete(p.id);
        p.reject(
          new BridgeError({
            code: 'internal',
            message: 'The connection to Rowrunner was lost before it answered; check the state and try again.',
          }),
        );
      }
    }
  }

  function scheduleReconnect(): void {
    if (closed) return;
    setState(everOpened ? 'reconnecting' : 'connecting');
    const base = Math.min(maxDelay, minDelay * 2 ** attempt);
    attempt++;
    const delay = Math.round(base * (0.75 + random() * 0.5));
    timer = setTimer(() => {
      timer = null;
      connect();
    }, delay);
  }

  connect();

  return {
    invoke<K extends CallName>(call: K, req: CallRequest<K>): Promise<CallResponse<K>> {
      if (closed) return Promise.reject(new BridgeError({ code: 'internal', message: 'The bridge is closed.' }));
      return new Promise<CallResponse<K>>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, {
          id,
          call,
          frame: JSON.stringify({ id, call, req }),
          sent: false,
          resolve: resolve as (v: unknown) => void,
          reject,
        });
        flush();
      });
    },
    on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    state: () => state,
    onState(listener) {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    close() {
      closed = true;
      if (timer !== null) clearTimer(timer);
      const s = socket;
      socket = null;
      s?.close();
      for (const p of pending.values()) p.reject(new BridgeError({ code: 'internal', message: 'The bridge is closed.' }));
      pending.clear();
    },
  };
}

const CODES = new Set(['bad-request', 'not-found', 'bad-input', 'conflict', 'internal', 'unauthorized']);

/** Makes a ContractError of anything a call rejected with (a bridge reply, an IPC error, a plain Error). */
export function asContractError(e: unknown): ContractError {
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    const code = typeof o.code === 'string' && CODES.has(o.code) ? (o.code as ContractError['code']) : 'internal';
    let message = typeof o.message === 'string' && o.message ? o.message : 'Something went wrong.';
    // Electron prefixes errors thrown in the main process: "Error invoking remote method 'x': Error: msg".
    message = message.replace(/^Error invoking remote method '[^']*':\s*(?:\w*Error:\s*)?/, '');
    const fields = Array.isArray(o.fields) ? o.fields.filter((f): f is string => typeof f === 'string') : undefined;
    const reason = ErrorReasonSchema.safeParse(o.reason);
    return {
      code,
      message,
      ...(fields && fields.length ? { fields } : {}),
      ...(reason.success ? { reason: reason.data } : {}),
    };
  }
  if (typeof e === 'string' && e) return { code: 'internal', message: e };
  return { code: 'internal', message: 'Something went wrong.' };
}

/** The message to show for a failed call: the core's messages say which field is wrong in words. */
export function errorText(e: unknown): string {
  return asContractError(e).message;
}
