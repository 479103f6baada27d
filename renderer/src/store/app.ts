// App-wide state: the screen shown, what the core says about itself, the link's state, overlays.
import { create } from 'zustand';
import type { CallResponse } from '../../../shared/contract.ts';
import { api } from '../api.ts';
import type { ConnectionState } from '../bridge.ts';
import { errorText } from '../bridge.ts';

export const SCREENS = ['import', 'agent', 'run', 'results', 'runs'] as const;
/** The sidebar's screens, and Compare (reached from the Runs screen). */
export type Screen = (typeof SCREENS)[number] | 'compare';

export type AppInfo = CallResponse<'app:info'>;

interface AppState {
  screen: Screen;
  info: AppInfo | null;
  connection: ConnectionState;
  /** A problem that is nobody's field: the link is down, the core failed to answer app:info. */
  banner: string | null;
  /** A short confirmation ("Saved to …"). */
  notice: string | null;
  helpOpen: boolean;
  go(screen: Screen): void;
  loadInfo(): Promise<void>;
  setConnection(state: ConnectionState): void;
  setBanner(text: string | null): void;
  notify(text: string | null): void;
  setHelp(open: boolean): void;
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;

export const useApp = create<AppState>()((set) => ({
  screen: 'import',
  info: null,
  connection: 'connecting',
  banner: null,
  notice: null,
  helpOpen: false,
  go: (screen) => set({ screen }),
  async loadInfo() {
    try {
      set({ info: await api.invoke('app:info', {}) });
    } catch (e) {
      set({ banner: `Could not reach Rowrunner: ${errorText(e)}` });
    }
  },
  setConnection: (connection) => set({ connection }),
  setBanner: (banner) => set({ banner }),
  notify(notice) {
    clearTimeout(noticeTimer);
    set({ notice });
    if (notice) noticeTimer = setTimeout(() => set({ notice: null }), 8000);
  },
  setHelp: (helpOpen) => set({ helpOpen }),
}));
