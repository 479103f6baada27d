// The agent being edited. Kept in localStorage so a reload keeps the user's work (never the API key,
// which is not part of the draft at all).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { emptyDraft, type AgentDraft } from '../features/agent/spec.ts';

interface AgentState {
  draft: AgentDraft;
  /** Problems of the last AGENT.json the user tried to load, one per wrong field. */
  loadErrors: string[];
  setDraft(draft: AgentDraft): void;
  patch(patch: Partial<AgentDraft>): void;
  setLoadErrors(errors: string[]): void;
}

export const useAgent = create<AgentState>()(
  persist(
    (set) => ({
      draft: emptyDraft(),
      loadErrors: [],
      setDraft: (draft) => set({ draft, loadErrors: [] }),
      patch: (patch) => set((s) => ({ draft: { ...s.draft, ...patch } })),
      setLoadErrors: (loadErrors) => set({ loadErrors }),
    }),
    {
      name: 'rowrunner.agent',
      version: 1,
      partialize: (s) => ({ draft: s.draft }),
      merge: (persisted, current) => {
        const p = persisted as { draft?: Partial<AgentDraft> } | undefined;
        return { ...current, draft: { ...emptyDraft(), ...(p?.draft ?? {}) } };
      },
    },
  ),
);
