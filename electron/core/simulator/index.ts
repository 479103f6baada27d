/**
 * The simulator: an OpenAI-compatible chat-completions server on 127.0.0.1 for tests, benchmarks
 * and the app's offline "Simulated" endpoint.
 *
 * Endpoints: `POST /v1/chat/completions` (JSON, or server-sent events with `stream: true`, with a
 * usage chunk when `stream_options.include_usage`), `GET /v1/models`, `GET /v1/models/:id`.
 * The Batch API (batches.ts): `POST /v1/files` (multipart, purpose "batch"), `GET|DELETE
 * /v1/files/:id`, `GET /v1/files/:id/content`, `POST|GET /v1/batches`, `GET /v1/batches/:id`,
 * `POST /v1/batches/:id/cancel`. A batch stays in progress for `batch.processingMs`, then its lines
 * are answered as above; `[[status:N]]` lines go to the error file, `[[batchexpire]]` lines (or
 * `[[batchexpirex1]]`: only the first time) stay unfinished and the batch ends "expired".
 * Anything else: 404 in OpenAI's error shape `{ error: { message, type, param, code } }`.
 *
 * Answers are deterministic; they depend only on the messages and tools:
 * - tools offered, last message not a tool result, tool_choice not "none": one tool call
 *   (`call_<hash>`) to the tool tool_choice names, else the first tool, with arguments generated
 *   from its JSON-schema parameters (see schema-args.ts); string properties read
 *   `Simulated <property>: <first 40 chars of the first user message>`, numbers fall within their
 *   bounds (names like confidence/score/probability default to [0, 1]). finish_reason "tool_calls".
 * - otherwise text: `Done: <first 80 chars of the tool result>` after a tool result, else
 *   `Simulated reply to: <first 80 chars of the last user message>`. finish_reason "stop".
 * - usage: prompt = ceil(chars of all contents and tool-call arguments / 4) + 4 per message;
 *   completion = max(1, ceil(answer chars / 4)). max_tokens / max_completion_tokens truncate the
 *   answer (finish_reason "length").
 *
 * Directives, written anywhere in the first or the last user message (the first identifies an item;
 * counts are per first user message and last for the simulator's life, across resetStats):
 * - `[[sleep:MS]]`      extra latency of MS milliseconds for this request.
 * - `[[status:500]]`    answer that status every time (any 3-digit status: 400, 429, 500, 503…);
 *                       429 carries `retry-after: 1` and `retry-after-ms: 1000`.
 * - `[[status:500x2]]`  answer that status to the first 2 requests for this prompt, then succeed.
 * - `[[retryafter:MS]]` a 429 for this prompt asks for MS ms (`retry-after-ms: MS`, `retry-after`
 *                       in whole seconds, at least 1) instead of 1 s.
 * - `[[hang]]`          never answer (until close()); `[[hangx2]]`: only the first 2 requests for this prompt.
 * - `[[drop]]`          destroy the socket without answering (counted under status 0); `[[dropx2]]`: the first 2.
 * - `[[badargs]]`       the first tool call for this prompt has malformed (truncated JSON) arguments.
 * - `[[badargsx3]]`     the first 3 tool calls for this prompt do.
 * - `[[text]]`          answer text even when tools are offered.
 * - `[[echokey]]`       answer 401 whose error message quotes the request's Authorization header
 *                       (`Bearer <key>`), as a provider that echoes the key it was given.
 *
 * Random faults (`faults` rates) are drawn per request from a PRNG seeded by (seed, request
 * number), so a sequential run is reproducible; latency jitter comes from the same draw. Directives
 * take precedence over random faults. With `rateLimit`, requests beyond rpm in the last 60 s get an
 * immediate 429 with `retry-after` (seconds), `retry-after-ms` and x-ratelimit-* headers; admitted
 * requests carry x-ratelimit-* headers too.
 */
export { startSimulator } from './server.ts';
export type { FaultRates, Simulator, SimulatorOptions, SimulatorStats } from './types.ts';
