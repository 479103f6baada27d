// API keys: saved to and forgotten by the core, which keeps them encrypted and never hands them back.
import { create } from 'zustand';
import type { Endpoint } from '../../../shared/contract.ts';
import { api } from '../api.ts';
import { errorText } from '../bridge.ts';
import { useApp } from './app.ts';

interface KeysState {
  busy: boolean;
  error: string | null;
  save(endpoint: Endpoint, key: string): Promise<boolean>;
  clear(endpoint: Endpoint): Promise<boolean>;
}

export const useKeys = create<KeysState>()((set) => {
  // Runs one key call, then refreshes app:info, whose `keys` says which endpoints have one.
  const call = async (work: () => Promise<unknown>): Promise<boolean> => {
    set({ busy: true, error: null });
    try {
      await work();
      await useApp.getState().loadInfo();
      return true;
    } catch (e) {
      set({ error: errorText(e) });
      return false;
    } finally {
      set({ busy: false });
    }
  };
  return {
    busy: false,
    error: null,
    async save(endpoint, key) {
      const ok = await call(() => api.invoke('key:set', { endpoint, key: key.trim() }));
      if (ok) useApp.getState().notify('API key saved.');
      return ok;
    },
    clear: (endpoint) => call(() => api.invoke('key:clear', { endpoint })),
  };
});
