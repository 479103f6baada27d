import { afterEach, expect, it, vi } from 'vitest';
import { pollDelayMs, pollUntil } from './poll.ts';

afterEach(() => {
  vi.useRealTimers();
});

it('looks first within 2 s, then backs off to at most a minute', () => {
  expect(Array.from({ length: 8 }, (_, n) => pollDelayMs(n))).toEqual([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});

it('looks on that schedule until done', async () => {
  vi.useFakeTimers();
  const start = Date.now();
  const looks: number[] = [];
  const done = pollUntil(async () => {
    looks.push(Date.now() - start);
    return looks.length === 7;
  });
  await vi.advanceTimersByTimeAsync(2000 + 4000 + 8000 + 16000 + 32000 + 60000 + 60000);
  await done;
  expect(looks).toEqual([2000, 6000, 14000, 30000, 62000, 122000, 182000]);
});

it('stops waiting at once when aborted', async () => {
  vi.useFakeTimers();
  const abort = new AbortController();
  let looks = 0;
  const done = pollUntil(async () => {
    looks++;
    return false;
  }, abort.signal);
  await vi.advanceTimersByTimeAsync(2000);
  abort.abort(new Error('stopped'));
  await expect(done).rejects.toThrow('stopped');
  expect(looks).toBe(1);
});
