// The IPC channels between the preload and the main process, and the contract's names as plain
// lists (so the preload can allowlist them without bundling the schemas). The `satisfies` and the
// exhaustiveness checks below make a call or event added to the contract a compile error here until
// it is listed.
import type { CallName, EventName } from '../../shared/contract.ts';

export const INVOKE_CHANNEL = 'rowrunner:invoke';
export const EVENT_CHANNEL = 'rowrunner:event';
/** The preload tells the main side the path of each file the user chose (a drop, the file dialog). */
export const CHOSEN_FILE_CHANNEL = 'rowrunner:chosen-file';

export const CALL_NAMES = [
  'app:info',
  'key:set',
  'key:clear',
  'dataset:import',
  'dataset:rows',
  'dataset:samples',
  'dataset:loadSample',
  'run:estimate',
  'run:start',
  'run:pause',
  'run:unpause',
  'run:cancel',
  'run:continue',
  'run:retryFailed',
  'run:delete',
  'run:get',
  'runs:list',
  'items:page',
  'item:detail',
  'run:export',
  'item:mark',
  'items:indexes',
  'items:distributions',
  'run:rename',
  'compare:summary',
  'compare:page',
  'compare:export',
  'run:exportInto',
  'endpoint:test',
  'cache:size',
  'cache:entries',
  'cache:clear',
  'dataset:get',
  'run:rerunRows',
  'run:failureCounts',
] as const satisfies readonly CallName[];

export const EVENT_NAMES = ['run:progress', 'run:items', 'run:finished', 'app:menu'] as const satisfies readonly EventName[];

type AssertNever<T extends never> = T;
export type _EveryCallListed = AssertNever<Exclude<CallName, (typeof CALL_NAMES)[number]>>;
export type _EveryEventListed = AssertNever<Exclude<EventName, (typeof EVENT_NAMES)[number]>>;

/** What the main side answers on INVOKE_CHANNEL: an envelope, because Electron keeps only an Error's message. */
export type InvokeReply = { ok: true; res: unknown } | { ok: false; error: { code: string; message: string; fields?: string[] } };
