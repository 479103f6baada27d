// EndpointHealth on a clock the test moves: the streak that makes an outage, the items held and
// queued again, the probes' backoff, and the end of an outage.
import { describe, expect, it } from 'vitest';
import { EndpointHealth, isEndpointFailure, MAX_REQUEUES, outageNotice, type Clock } from './endpoint-health.ts';
import { LlmCallError } from './llm.ts';

/** Timers that fire only when the test advances the time. */
function manualClock() {
  let now = 0;
  let timers: Array<{ at: number; run: () => void }> = [];
  const clock: Clock = {
    setTimeout: (run, ms) => {
      const t = { at: now + ms, run };
      timers.push(t);
      return t;
    },
    clearTimeout: (handle) => {
      timers = timers.filter((t) => t !== handle);
    },
  };
  return {
    clock,
    /** The delays of the timers set, from now. */
    pending: () => timers.map((t) => t.at - now),
    async advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.run();
      // The probe's answer and what follows it are promise callbacks.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

function setup(answers: boolean[] = []) {
  const time = manualClock();
  const waits: number[] = [];
  let alive = 0;
  let probes = 0;
  const health = new EndpointHealth({
    probe: async () => {
      probes++;
      return answers.shift() ?? false;
    },
    onWaiting: (ms) => waits.push(ms),
    onAlive: () => alive++,
    clock: time.clock,
  });
  return { health, time, waits, alive: () => alive, probes: () => probes };
}

describe('isEndpointFailure', () => {
  it('is a call that failed for good with no connection or a 5xx, and nothing else', () => {
    expect(isEndpointFailure(new LlmCallError('the connection failed: ECONNREFUSED', 0, 6, true))).toBe(true);
    // A timeout is the row's own: a request that hangs says nothing of the endpoint.
    expect(isEndpointFailure(new LlmCallError('the request timed out after 60 s', 0, 2, true, undefined, true))).toBe(false);
    expect(isEndpointFailure(new LlmCallError('HTTP 503', 503, 6, true))).toBe(true);
    expect(isEndpointFailure(new LlmCallError('HTTP 429', 429, 6, true))).toBe(false);
    expect(isEndpointFailure(new LlmCallError('HTTP 400', 400, 1, false))).toBe(false);
    expect(isEndpointFailure(new LlmCallError('the server answered without any choice', 200, 1, false))).toBe(false);
    // status 0 but not retryable: an error of ours, not the endpoint's
    expect(isEndpointFailure(new LlmCallError('bad body', 0, 1, false))).toBe(false);
    expect(isEndpointFailure(new Error('the connection failed'))).toBe(false);
  });
});

describe('EndpointHealth', () => {
  it('reports the failures it held once another item ends otherwise, without an outage', () => {
    const { health, time, waits } = setup();
    const reported: number[] = [];
    health.hold(4, () => reported.push(4));
    health.hold(7, () => reported.push(7));
    expect(reported).toEqual([]);
    health.passed();
    expect(reported).toEqual([4, 7]);
    expect(health.outage).toBe(false);
    expect(waits).toEqual([]);
    expect(time.pending()).toEqual([]);
    // The streak starts again: two more do not make an outage either.
    health.hold(8, () => reported.push(8));
    health.hold(9, () => reported.push(9));
    expect(health.outage).toBe(false);
  });

  it('begins an outage at the third in a row: those items go back to the queue and never fail', () => {
    const { health, waits } = setup();
    const reported: number[] = [];
    for (const i of [2, 5, 3]) health.hold(i, () => reported.push(i));
    expect(health.outage).toBe(true);
    expect(waits).toEqual([1000]);
    expect(health.queued).toBe(3);
    // An item failing during the outage goes straight back too.
    health.hold(9, () => reported.push(9));
    expect([health.next(), health.next(), health.next(), health.next(), health.next()]).toEqual([2, 5, 3, 9, undefined]);
    health.passed();
    expect(reported).toEqual([]);
  });

  it('probes after 1 s, then twice as long each time up to 30 s, and ends the outage at the first answer', async () => {
    const { health, time, waits, alive, probes } = setup([false, false, false, false, false, false, true]);
    health.hold(0, () => {});
    health.hold(1, () => {});
    health.hold(2, () => {});
    expect(time.pending()).toEqual([1000]);
    for (const ms of [1000, 2000, 4000, 8000, 16000, 30000]) {
      await time.advance(ms - 1);
      expect(probes()).toBe(waits.length - 1);
      await time.advance(1);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(alive()).toBe(0);
    await time.advance(30000);
    expect(probes()).toBe(7);
    expect(alive()).toBe(1);
    expect(health.outage).toBe(false);
    expect(time.pending()).toEqual([]);
  });

  it('after an outage ended otherwise (a resume, the end), a probe under way is ignored and none follows', async () => {
    let answer!: (alive: boolean) => void;
    const time = manualClock();
    let alive = 0;
    const health = new EndpointHealth({ probe: () => new Promise<boolean>((r) => (answer = r)), onWaiting: () => {}, onAlive: () => alive++, clock: time.clock });
    health.hold(0, () => {});
    health.nothingElse();
    expect(health.outage).toBe(true);
    await time.advance(1000);
    health.end();
    answer(true);
    await time.advance(60_000);
    expect(alive).toBe(0);
    expect(time.pending()).toEqual([]);
  });

  it('an item goes back to the queue at most MAX_REQUEUES times; then its failure is its own', () => {
    const { health } = setup();
    for (let round = 0; round < MAX_REQUEUES; round++) {
      expect(health.mayHold(1)).toBe(true);
      for (const i of [1, 2, 3]) health.hold(i, () => {});
      expect([health.next(), health.next(), health.next()]).toEqual([1, 2, 3]);
      health.end();
    }
    expect(health.mayHold(1)).toBe(false);
    expect(health.mayHold(4)).toBe(true);
  });

  it('when nothing else is left, the first probe decides: answered at once, the failures held are their own', async () => {
    const { health, time, alive } = setup([true]);
    const reported: number[] = [];
    health.hold(7, () => reported.push(7));
    health.nothingElse();
    expect(health.outage).toBe(true);
    expect(health.queued).toBe(0);
    await time.advance(1000);
    expect(reported).toEqual([7]);
    expect(health.queued).toBe(0);
    expect(health.outage).toBe(false);
    expect(alive()).toBe(1);
  });

  it('when nothing else is left and the first probe goes unanswered, the items held go back to the queue', async () => {
    const { health, time, alive } = setup([false, true]);
    const reported: number[] = [];
    health.hold(7, () => reported.push(7));
    health.nothingElse();
    await time.advance(1000);
    expect(health.next()).toBe(7);
    expect(health.outage).toBe(true);
    await time.advance(2000);
    expect(health.outage).toBe(false);
    expect(alive()).toBe(1);
    expect(reported).toEqual([]);
  });

  it('at the end of the batch gives back every item held or queued, and stops probing', () => {
    const { health, time } = setup();
    for (const i of [1, 2, 3]) health.hold(i, () => {});
    health.hold(4, () => {});
    expect(health.takeAll()).toEqual([1, 2, 3, 4]);
    expect(health.outage).toBe(false);
    expect(time.pending()).toEqual([]);
  });

  it('says why it paused and when it tries next', () => {
    expect(outageNotice(4000)).toBe('the endpoint is not answering: paused (next try in 4 s)');
    expect(outageNotice(1000, 'the connection failed: ECONNREFUSED')).toBe(
      'the endpoint is not answering: paused (next try in 1 s); last error: the connection failed: ECONNREFUSED',
    );
  });
});
