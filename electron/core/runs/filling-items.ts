// The items of a run that starts while its file is still read (see import-and-run.ts): the run's
// worker sends what is stored, and takes in each later batch of rows as the parent says it was added,
// until the parent says the file is read. The engine waits for more meanwhile (EngineOptions.moreItems).
import type { MoreItems } from '../engine/batch-types.ts';
import type { SpecBatchItemSource } from '../engine/spec-batch.ts';
import type { Db } from '../store/db.ts';
import { growingItemSource } from '../store/items.ts';

export interface FillingItems {
  items: SpecBatchItemSource & { more: MoreItems };
  /** Items were committed (`final`: the last of them): take them in and tell the engine. */
  added(final: boolean): void;
}

export function fillingItems(db: Db, runId: number): FillingItems {
  const source = growingItemSource(db, runId);
  const listeners: (() => void)[] = [];
  let open = true;
  const more: MoreItems = {
    get open() {
      return open;
    },
    listen: (onChange) => void listeners.push(onChange),
  };
  return {
    items: { rows: source.rows, prompt: source.prompt, more },
    added(final) {
      if (!open) return;
      source.takeNew();
      if (final) open = false;
      for (const f of listeners) f();
    },
  };
}
