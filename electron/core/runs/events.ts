// The runs service's listeners: raw per-run events (each listener with the event types it wants,
// which is also what workers are told to forward) and the contract's events by name.
import type { EventName, EventPayload } from '../../../shared/contract.ts';
import type { BatchEvent } from '../../../shared/domain.ts';
import type { RunEvent } from './service.ts';

export type RunEventListener = (runId: string, event: RunEvent) => void;
export type ContractEmit = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

export interface RunEvents {
  /** Adds a raw listener; `onForwardChange` is told when what workers should forward changed. */
  subscribe(listener: RunEventListener, types: readonly RunEvent['type'][] | undefined, onForwardChange: (types: BatchEvent['type'][] | null) => void): () => void;
  emitRaw(runId: number, event: RunEvent): void;
  /** The engine events some listener wants: what workers forward (null: all). */
  forwardTypes(): BatchEvent['type'][] | null;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
  emit: ContractEmit;
  /** Whether anyone listens to this contract event (the changed-rows list is only built then). */
  wants(name: EventName): boolean;
}

export function createRunEvents(): RunEvents {
  /** Raw listeners, each with the event types it wants (null: all). */
  const listeners = new Map<RunEventListener, ReadonlySet<string> | null>();
  const contractListeners = new Map<EventName, Set<(payload: never) => void>>();

  const forwardTypes = (): BatchEvent['type'][] | null => {
    const union = new Set<BatchEvent['type']>();
    for (const types of listeners.values()) {
      if (types === null) return null;
      for (const t of types) union.add(t as BatchEvent['type']);
    }
    return [...union];
  };

  /** Calls `change` and tells `onForwardChange` if what workers forward changed. */
  const changing = (change: () => void, onForwardChange: (types: BatchEvent['type'][] | null) => void): void => {
    const before = JSON.stringify(forwardTypes());
    change();
    const after = forwardTypes();
    if (JSON.stringify(after) !== before) onForwardChange(after);
  };

  return {
    forwardTypes,

    subscribe(listener, types, onForwardChange) {
      changing(() => listeners.set(listener, types ? new Set(types) : null), onForwardChange);
      return () => changing(() => listeners.delete(listener), onForwardChange);
    },

    emitRaw(runId, event) {
      for (const [l, types] of listeners) {
        if (types !== null && !types.has(event.type)) continue;
        try {
          l(String(runId), event);
        } catch {
          // A front's listener failing must not break the run.
        }
      }
    },

    on(name, listener) {
      let set = contractListeners.get(name);
      if (!set) {
        set = new Set();
        contractListeners.set(name, set);
      }
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },

    emit(name, payload) {
      const set = contractListeners.get(name);
      if (!set) return;
      for (const l of set) {
        try {
          (l as (p: typeof payload) => void)(payload);
        } catch {
          // as above
        }
      }
    },

    wants: (name) => (contractListeners.get(name)?.size ?? 0) > 0,
  };
}
