// The simulator's public types.

export interface FaultRates {
  /** Probability (0..1) of answering 500. */
  error500?: number;
  /** Probability of answering 429 with `retry-after: 1`. */
  rateLimit429?: number;
  /** Probability of a tool call whose arguments are truncated, invalid JSON (text answers are unaffected). */
  malformedToolArgs?: number;
  /** Probability of never answering (until close). */
  hang?: number;
  /** Probability of destroying the socket without answering. */
  drop?: number;
}

export interface SimulatorOptions {
  /** 0 = a random free port (default). */
  port?: number;
  /** Fixed delay before each answer, default 0. */
  latencyMs?: number;
  /** Extra deterministic pseudo-random 0..jitter per request, default 0. */
  latencyJitterMs?: number;
  /** Random faults, reproducible given `seed`. */
  faults?: FaultRates;
  /** Default 1. */
  seed?: number;
  /**
   * Sliding 60 s window; beyond it the answer is 429 with retry-after (seconds) and x-ratelimit-* headers.
   * `windowMs` shortens the window at the same rate (rpm × windowMs / 60 s requests per window; the
   * headers still report rpm), so a test reaches the steady state without waiting out whole minutes.
   */
  rateLimit?: { rpm: number; windowMs?: number };
  /** If set, requests without `Authorization: Bearer <key>` get 401. */
  apiKey?: string;
  /** Told every chat request's body as it arrived, byte for byte (tests read what the client sent). */
  onChatBody?: (raw: string) => void;
}

export interface SimulatorStats {
  /** Every HTTP request received. */
  requests: number;
  /** The requests among them for /v1/models (a client's probe of the endpoint), all answered 200. */
  modelRequests: number;
  inFlight: number;
  maxInFlight: number;
  /** Responses by HTTP status; dropped connections counted under 0. */
  byStatus: Record<number, number>;
  /** How many chat requests carried each first user message. */
  byPrompt: Map<string, number>;
  /** How many 200 answers were sent for each first user message. */
  completedByPrompt: Map<string, number>;
  /** Usage of the 200 answers sent. */
  promptTokens: number;
  completionTokens: number;
  /** Of those prompt tokens, the ones reported as cached (a prefix an earlier answered request shared). */
  cachedTokens: number;
  /** When (Date.now()) the first request arrived and the last answer went out; null before any. */
  firstRequestAt: number | null;
  lastAnswerAt: number | null;
}

export interface Simulator {
  /** Base URL for the openai SDK, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  /** A snapshot. */
  stats(): SimulatorStats;
  /** Zeroes the counters (in-flight requests stay counted). Directive counters are kept. */
  resetStats(): void;
  /** Changes latency, faults, rate limit, key or seed live. */
  setOptions(patch: Partial<Omit<SimulatorOptions, 'port'>>): void;
  /** Closes, destroying open (hanging) sockets. */
  close(): Promise<void>;
}
