// The help texts of the rowrunner command.
import { accepts, DEFAULT_RUN_OPTIONS, flagAccepts } from './run-flags.ts';

export const USAGE = `rowrunner — run one LLM agent over every row of a CSV

Usage:
  rowrunner run ITEMS.csv --agent AGENT.json [--out FILE.xlsx|FILE.csv|FILE.jsonl] [--db FILE]
            [--batch-size N] [--sequential] [--turns N] [--on-error stop|continue]
            [--max-cost USD] [--max-tokens N] [--rpm N] [--tpm N] [--timeout SECONDS] [--no-cache]
            [--api-key KEY] [--json]
            [--mode live|batch]
  rowrunner run ITEMS.xlsx [--sheet NAME] --agent AGENT.json [--out FILE.xlsx --into ITEMS.xlsx] [...]
  rowrunner resume RUN_ID [--out FILE] [--max-cost USD] [--max-tokens N] [--timeout SECONDS]
            [--endpoint URL] [--api-key KEY] [--db FILE] [--json]
  rowrunner retry-failed RUN_ID [--only infra|invalid] [same options as resume]
  rowrunner run --from RUN_ID --agent AGENT.json [the options of run]
  rowrunner rerun RUN_ID --rows 3,7-9 [--no-cache] [same options as resume]
  rowrunner export RUN_ID --out FILE [--db FILE]
  rowrunner compare RUN_A RUN_B [RUN_C...] --out FILE [--db FILE]
  rowrunner runs [--db FILE] [--json]
  rowrunner datasets [--db FILE] [--json]
  rowrunner rm RUN_ID|dDATASET_ID... [--db FILE]
  rowrunner simulate [--port N] [--latency MS]
  rowrunner serve [--port N] [--db FILE]
  rowrunner cache [clear [--older-than AGE]] [--db FILE] [--json]

Commands:
  run           Import ITEMS.csv, render the agent's prompt for every row and run them all.
  resume        Continue a cancelled, stopped or interrupted run: only its unfinished items are sent,
                to the endpoint the run recorded (--endpoint URL: another, then recorded);
                --max-cost / --max-tokens raise the run's budget.
  retry-failed  Send the run's failed items again (and any unfinished ones); --only picks one kind.
  run --from    A new run over the same rows as run RUN_ID (no CSV), with this agent; that run's
                options carry over unless a flag sets one. Only rows whose request changed are sent:
                the others are answered from the response cache.
  rerun         Run chosen rows of a run again, in the same run (and any unfinished ones); each row's
                earlier attempt is kept in its history. A request already answered is answered
                from the response cache; --no-cache sends it again.
  export        Write a run's results: the CSV's columns, one column per output, then _status,
                _error, _turns, _prompt_tokens, _completion_tokens, _cached_tokens, _cost_usd, _latency_ms, _cached
                (true when every call of the row was answered from the response cache), _rating, _note
                (a reviewer's mark and note from the Results screen).
  compare       Put runs over the same rows side by side (the same dataset, or one with the same
                columns and row count, matched by position): the CSV's columns, each run's output
                columns named COLUMN@RUN_ID, then _differs (true where the outputs are not all equal).
  runs          List the runs in the database, oldest first.
  datasets      List the imported CSVs (IDs such as d3) and the runs that use each.
  rm            Remove runs (a run's dataset goes too once no run uses it) and unused datasets (dID).
  simulate      Start the built-in simulated endpoint (an offline, OpenAI-compatible test server,
                the app's "Simulated" endpoint) and print its URL for OPENAI_BASE_URL.
  serve         Serve the app's UI to a browser on 127.0.0.1 (see rowrunner serve --help).
  cache         The response cache's size; cache clear forgets its answers (--older-than 30d: only
                those kept more than 30 days ago; m, h, d, w).

Options:
  --agent FILE        The agent spec (AGENT.json), the same file the desktop app saves and loads.
  --out FILE          Export the results when the run ends; the format follows the extension.
  --sheet NAME        run: the sheet of an .xlsx ITEMS to read (default: its first); an .xls is refused.
  --into BOOK.xlsx    run: write --out FILE.xlsx as a copy of BOOK.xlsx with the output columns added
                      to the data sheet, row by row (BOOK must have as many data rows as the items).
  --db FILE           The database (default: $ROWRUNNER_DB, else the desktop app's, in the per-user
                      data folder), so runs started here show up in the app.
  --batch-size N      Items in flight at once: ${accepts('batchSize')} (default ${DEFAULT_RUN_OPTIONS.batchSize}).
  --sequential        One item at a time.
  --turns N           Most turns per item (-1: no limit; default: the agent's, else no limit).
  --on-error MODE     continue (default): failed items are recorded and the run goes on;
                      stop: the first failed item stops the run.
  --max-cost USD      Stop before spending more than this on the run (resumable with a higher one);
                      refused before the run (exit 2) when the model has no price.
  --max-tokens N      The same for prompt + completion tokens.
  --rpm N, --tpm N    Requests / tokens per minute, throttled before sending.
  --no-cache          Send every call, even one the database's response cache could answer (by
                      default a request already answered, in any run, is answered again for free).
  --timeout SECONDS   How long one call may take before it times out (it is retried once):
                      ${flagAccepts('timeout')} (default: the agent's timeoutMs, else 60).
  --mode MODE         live (default): each call as it comes; batch: through the provider's Batch API,
                      about half the price, results within 24 h. Waits with a line per change of the
                      batch; Ctrl-C leaves the batch running and \`rowrunner resume RUN_ID\` picks it up.
  --endpoint URL      resume, retry-failed, rerun: send the rest to this endpoint instead of the run's own,
                      and record it on the run (OPENAI_API_KEY goes only if it is OPENAI_BASE_URL).
  --from RUN_ID       run: take the rows (and options) of that run instead of a CSV.
  --rows SPEC         rerun: rows as Results and exports number them, from 1 (the CSV's first data row):
                      single rows and ranges, comma-separated, such as 3,7-9.
  --only KIND         retry-failed: infra (no usable answer: network, timeouts, 429, 5xx) or invalid
                      (the endpoint answered and the answer failed validation, e.g. bad tool arguments).
  --api-key KEY       The key for the run's endpoint (ROWRUNNER_API_KEY keeps it out of the process list).
  --json              Print one JSON object last on stdout: {"runId","status","items","done",
                      "failed","skipped","promptTokens","completionTokens","cachedTokens","costUsd",
                      "cachedSavingUsd","cachedCalls","savedUsd","wallMs"}; dollars in whole micro-dollars;
                      with runs, a JSON array of runs.
  --port N            simulate: the port (default: a free one).
  --latency MS        simulate: the delay before each answer (default 0).
  -h, --help          This help.

Environment:
  OPENAI_API_KEY      The key for OPENAI_BASE_URL (or OpenAI's API when that is unset); never stored,
                      and never sent to another baseURL an agent file names.
  OPENAI_BASE_URL     The endpoint of a new run when the agent has no baseURL (default: OpenAI); a
                      resumed run stays on its own.
  ROWRUNNER_API_KEY   The key for an agent's own baseURL; without it (or --api-key) none is sent there.
  ROWRUNNER_DB        The default database.

Exit codes:
  0  the run finished (failed items allowed under --on-error continue, if at least one row was done)
  1  no row was done (every one failed), stopped by an item's error (--on-error stop), cancelled
     (Ctrl-C or SIGTERM; resume continues it), or the machine failed (a full disk, a read-only or
     damaged database: the message says what to do; run, resume and retry-failed check that the
     database can be written before they send anything)
  2  bad input or usage (the message says what and where; no output file is written)
  3  stopped by a budget (resume with a higher --max-cost / --max-tokens)

Ctrl-C or SIGTERM cancels cleanly: items in flight go back to pending and \`rowrunner resume RUN_ID\`
continues. A second Ctrl-C quits at once; the run is left interrupted, and resume continues it too.
runs, datasets, export and compare open the database read-only, so they work on a full disk too.
"skipped" counts the items that did not run (left pending or skipped by a stop); they stay resumable.
`;
