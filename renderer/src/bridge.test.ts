import { describe, expect, it } from 'vitest';
import { asContractError, BridgeError, createBridge, errorText, type SocketLike } from './bridge.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  send(data: string) {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  reply(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  frames(): Array<{ id: number; call: string; req: unknown }> {
    return this.sent.map((s) => JSON.parse(s));
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const bridge = createBridge({
    url: 'ws://127.0.0.1:1/bridge?token=t',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout: () => {},
    random: () => 0.5,
  });
  const runTimers = () => {
    const t = timers.splice(0);
    for (const x of t) x.fn();
    return t.map((x) => x.ms);
  };
  return { bridge, sockets, runTimers };
}

describe('bridge', () => {
  it('queues calls until the socket opens and matches replies by id, in any order', async () => {
    const { bridge, sockets } = setup();
    const a = bridge.invoke('runs:list', {});
    const b = bridge.invoke('run:get', { runId: 'r1' });
    expect(sockets[0].sent).toHaveLength(0);
    sockets[0].open();
    const [fa, fb] = sockets[0].frames();
    expect(fa.call).toBe('runs:list');
    expect(fb).toEqual({ id: fb.id, call: 'run:get', req: { runId: 'r1' } });
    sockets[0].reply({ id: fb.id, ok: true, res: { runId: 'r1' } });
    sockets[0].reply({ id: fa.id, ok: true, res: [] });
    await expect(a).resolves.toEqual([]);
    await expect(b).resolves.toEqual({ runId: 'r1' });
  });

  it('rejects with the ContractError the core sent', async () => {
    const { bridge, sockets } = setup();
    sockets[0].open();
    const p = bridge.invoke('run:start', {} as never);
    const { id } = sockets[0].frames()[0];
    sockets[0].reply({ id, ok: false, error: { code: 'bad-request', message: 'bad agent', fields: ['agent.model'] } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err).toMatchObject({ code: 'bad-request', message: 'bad agent', fields: ['agent.model'] });
    expect(errorText(err)).toBe('bad agent');
  });

  it('delivers events to their listeners until unsubscribed', () => {
    const { bridge, sockets } = setup();
    sockets[0].open();
    const got: unknown[] = [];
    const off = bridge.on('run:items', (p) => got.push(p));
    sockets[0].reply({ event: 'run:items', payload: { runId: 'r', indexes: [1] } });
    sockets[0].reply({ event: 'run:progress', payload: {} });
    off();
    sockets[0].reply({ event: 'run:items', payload: { runId: 'r', indexes: [2] } });
    expect(got).toEqual([{ runId: 'r', indexes: [1] }]);
  });

  it('reconnects with growing backoff, resends reads, rejects writes in flight, and says it reconnected', async () => {
    const { bridge, sockets, runTimers } = setup();
    const states: Array<[string, boolean]> = [];
    bridge.onState((s, r) => states.push([s, r]));
    sockets[0].open();
    const read = bridge.invoke('items:page', { runId: 'r', offset: 0, limit: 10 });
    const write = bridge.invoke('run:pause', { runId: 'r' });
    sockets[0].drop();
    await expect(write).rejects.toMatchObject({ code: 'internal' });
    expect(bridge.state()).toBe('reconnecting');
    // The first try fails too: the delay grows.
    const d1 = runTimers();
    sockets[1].drop();
    const d2 = runTimers();
    expect(d2[0]).toBeGreaterThan(d1[0]);
    const queued = bridge.invoke('runs:list', {});
    sockets[2].open();
    expect(states).toContainEqual(['open', true]);
    const frames = sockets[2].frames();
    expect(frames.map((f) => f.call).sort()).toEqual(['items:page', 'runs:list']);
    for (const f of frames) sockets[2].reply({ id: f.id, ok: true, res: f.call });
    await expect(read).resolves.toBe('items:page');
    await expect(queued).resolves.toBe('runs:list');
    // Backoff starts over after a good connection.
    sockets[2].drop();
    expect(runTimers()[0]).toBe(d1[0]);
  });

  it('ignores garbage frames and replies to unknown ids', () => {
    const { bridge, sockets } = setup();
    sockets[0].open();
    sockets[0].onmessage?.({ data: 'not json' });
    sockets[0].reply({ id: 999, ok: true, res: 1 });
    sockets[0].reply(null);
    expect(bridge.state()).toBe('open');
  });
});

describe('asContractError', () => {
  it('strips the prefix Electron puts on errors thrown in the main process', () => {
    const e = new Error("Error invoking remote method 'rowrunner:invoke': Error: line 3: expected 2 fields");
    expect(asContractError(e)).toEqual({ code: 'internal', message: 'line 3: expected 2 fields' });
  });
  it('keeps code and fields of a plain ContractError', () => {
    expect(asContractError({ code: 'not-found', message: 'no run' })).toEqual({ code: 'not-found', message: 'no run' });
  });
  it('keeps a reason the contract knows and drops one it does not', () => {
    const ragged = { code: 'bad-input', message: 'line 3 has 2 fields', reason: 'ragged-rows' };
    expect(asContractError(ragged)).toEqual(ragged);
    expect(asContractError(new BridgeError(ragged as never))).toEqual(ragged);
    expect(asContractError({ ...ragged, reason: 'whatever' })).toEqual({ code: 'bad-input', message: 'line 3 has 2 fields' });
  });
});
