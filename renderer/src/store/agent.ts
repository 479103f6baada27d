// The agent being edited. Kept in localStorage so a reload keeps the user's work (never the API key,
// which is not part of the draft at all).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { downloadText } from '../api.ts';
import { buildSpec, emptyDraft, parseAgentFile, specToDraft, specToJson, type AgentDraft } from '../features/agent/spec.ts';
import { useApp } from './app.ts';

interface AgentState {
  draft: AgentDraft;
  /** Problems of the last AGENT.json the user tried to load, one per wrong field. */
  loadErrors: string[];
  /** The user tried to save: from then on, empty required fields are shown as errors too. */
  saveTried: boolean;
  saveError: string | null;
  setDraft(draft: AgentDraft): void;
  patch(patch: Partial<AgentDraft>): void;
  setLoadErrors(errors: string[]): void;
  /** Downloads the draft as AGENT.json, or says what to fix first. */
  save(): void;
  /** Reads an AGENT.json into the draft; a wrong file changes nothing and lists its problems. */
  load(file: File): Promise<void>;
}

export const useAgent = create<AgentState>()(
  persist(
    (set, get) => ({
      draft: emptyDraft(),
      loadErrors: [],
      saveTried: false,
      saveError: null,
      setDraft: (draft) => set({ draft, loadErrors: [] }),
      patch: (patch) => set((s) => ({ draft: { ...s.draft, ...patch } })),
      setLoadErrors: (loadErrors) => set({ loadErrors }),
      save() {
        const { spec, errors } = buildSpec(get().draft);
        if (!spec) {
          set({ saveTried: true, saveError: `Fix first: ${Object.values(errors).map((i) => i.text).join('; ')}.` });
          return;
        }
        set({ saveTried: true, saveError: null });
        downloadText(specToJson(spec), 'AGENT.json');
      },
      async load(file) {
        const res = parseAgentFile(await file.text());
        if (res.spec) {
          get().setDraft(specToDraft(res.spec, get().draft.endpoint));
          useApp.getState().notify(`Loaded ${file.name}.`);
        } else {
          set({ loadErrors: [`${file.name}:`, ...res.errors] });
        }
      },
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
