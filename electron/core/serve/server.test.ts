// The served bridge over real HTTP and a real WebSocket, against a real core (SQLite, run workers,
// the simulator): the token on every request and upgrade, loopback only, the Host and Origin checks,
// calls round-tripping, malformed and hostile frames answered with typed errors.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { calls, ContractErrorSchema, type CallName } from '../../../shared/contract.ts';
import { createMemoryKeyStore } from '../keys/index.ts';
import { startServer, type RunningServer } from './server.ts';

const PAGE_CSP = "default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:*";

let dir: string;
let server: RunningServer;
let base: string;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(p: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, path: p, method: opts.method ?? 'GET', headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function upgradeStatus(p: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${p}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', (e) => reject(e));
  });
}

interface Client {
  call(call: string, req: unknown): Promise<{ ok: boolean; res?: any; error?: any }>;
  raw(frame: string): Promise<any>;
  events: { event: string; payload: any }[];
  waitEvent(pred: (e: { event: string; payload: any }) => boolean, timeoutMs?: number): Promise<{ event: string; payload: any }>;
  close(): void;
}

async function connect(): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/bridge?token=${encodeURIComponent(server.token)}`, {
    headers: { origin: `http://127.0.0.1:${server.port}` },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<unknown, (m: any) => void>();
  const events: { event: string; payload: any }[] = [];
  const eventWaiters = new Set<() => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (typeof m.event === 'string') {
      events.push(m);
      for (const w of [...eventWaiters]) w();
      return;
    }
    const w = waiting.get(m.id);
    if (w) {
      waiting.delete(m.id);
      w(m);
    }
  });
  return {
    call(call, req) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, (m: { ok: boolean; res?: unknown }) => {
          // every answer must be what the contract promises
          const schema = (calls as Record<string, { res: { safeParse(x: unknown): { success: boolean; error?: unknown } } }>)[call]?.res;
          if (m.ok && schema) {
            const checked = schema.safeParse(m.res);
            if (!checked.success) reject(new Error(`${call} answered outside the contract: ${String(checked.error)}`));
          }
          resolve(m);
        });
        ws.send(JSON.stringify({ id, call, req }));
      });
    },
    raw(frame) {
      return new Promise((resolve) => {
        waiting.set(null, resolve);
        ws.send(frame);
      });
    },
    events,
    waitEvent(pred, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(pred);
          if (found) {
            eventWaiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          eventWaiters.delete(check);
          reject(new Error('timed out waiting for an event'));
        }, timeoutMs);
        eventWaiters.add(check);
        check();
      });
    },
    close: () => ws.close(),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rr-serve-test-'));
  const rendererDir = path.join(dir, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(
    path.join(rendererDir, 'index.html'),
    `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}"></head><body>ok</body></html>`,
  );
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'secret.txt'), 'not for you');
  server = await startServer({
    dbPath: path.join(dir, 'data', 'test.db'),
    rendererDir,
    keyStore: createMemoryKeyStore({}),
    maxUploadBytes: 64 * 1024,
    simulator: { latencyMs: 5 },
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('served mode: access', () => {
  it('prints a URL with the token, bound to 127.0.0.1', () => {
    expect(server.url).toBe(`${base}/?token=${encodeURIComponent(server.token)}`);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
  });

  it('answers 401 to every HTTP request without the token', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', '/download/abc', '/bridge', `/?token=wrong`]) {
      expect((await request(p)).status, p).toBe(401);
    }
    expect((await request('/upload', { method: 'POST', body: 'a,b\n1,2\n' })).status).toBe(401);
  });

  it('answers 401 to every method and path without the token, before anything else is looked at', async () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const p of ['/', '/upload', '/bridge', '/download/x', '/no/such/path', '/..%2f..%2fetc%2fpasswd']) {
        const r = await request(p, { method, headers: { origin: 'http://evil.example' } });
        expect(r.status, `${method} ${p}`).toBe(401);
        expect(r.headers['set-cookie'], `${method} ${p}`).toBeUndefined();
        expect(r.headers['access-control-allow-origin'], `${method} ${p}`).toBeUndefined();
      }
    }
    // A token of the wrong length, a prefix of the right one, or in a header nobody reads.
    for (const token of [server.token.slice(0, -1), `${server.token}x`, server.token.toUpperCase(), encodeURIComponent(` ${server.token}`)]) {
      expect((await request(`/?token=${token}`)).status, token).toBe(401);
    }
    expect((await request('/', { headers: { authorization: `Bearer ${server.token}`, 'x-token': server.token } })).status).toBe(401);
    // The cookie of another port's server is not ours.
    expect((await request('/', { headers: { cookie: `rowrunner_token_1=${server.token}` } })).status).toBe(401);
  });

  it('answers 401 to an upgrade without the token on any path, and 403 to an opaque origin', async () => {
    for (const p of ['/bridge', '/', '/other', `/bridge?token=${server.token.slice(1)}`]) expect(await upgradeStatus(p), p).toBe(401);
    expect(await upgradeStatus('/bridge', { cookie: `rowrunner_token_1=${server.token}` })).toBe(401);
    expect(await upgradeStatus(`/bridge?token=${server.token}`, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(`/bridge?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}.evil.example` })).toBe(403);
  });

  it('answers 401 to a WebSocket upgrade without the token', async () => {
    expect(await upgradeStatus('/bridge')).toBe(401);
    expect(await upgradeStatus('/bridge?token=nope')).toBe(401);
    expect(await upgradeStatus(`/bridge?token=${server.token}`)).toBe(101);
  });

  it('sets an HttpOnly SameSite=Strict cookie when the page is opened with the token, and accepts it after', async () => {
    const page = await request(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    const cookie = page.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0];
    expect((await request('/assets/app.js', { headers: { cookie: pair } })).status).toBe(200);
    expect(await upgradeStatus('/bridge', { cookie: pair })).toBe(101);
  });

  it('serves the page with its own CSP as a header', async () => {
    const page = await request(`/?token=${server.token}`);
    expect(page.headers['content-security-policy']).toBe(`${PAGE_CSP}; frame-ancestors 'none'`);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('refuses a foreign Host header (DNS rebinding) on HTTP and on upgrades', async () => {
    const evil = { host: `rebind.example.com:${server.port}` };
    expect((await request(`/?token=${server.token}`, { headers: evil })).status).toBe(403);
    expect(await upgradeStatus(`/bridge?token=${server.token}`, evil)).toBe(403);
    expect((await request(`/?token=${server.token}`, { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
    expect((await request(`/?token=${server.token}`, { headers: { host: `127.0.0.1:1` } })).status).toBe(403);
  });

  it('refuses a WebSocket from a foreign origin even with the token', async () => {
    expect(await upgradeStatus(`/bridge?token=${server.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`/bridge?token=${server.token}`, { origin: `http://localhost:${server.port}` })).toBe(101);
  });

  it('listens on loopback only', async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: external.address, port: server.port });
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
    // Not on IPv6 either, loopback included: one address, 127.0.0.1.
    const v6 = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '::1', port: server.port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    expect(v6).toBe(false);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: server.port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    expect(ok).toBe(true);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const r = await request(`${p}?token=${server.token}`);
      expect(r.status, p).not.toBe(200);
      expect(r.body).not.toContain('not for you');
    }
  });

  it('caps uploads', async () => {
    const big = Buffer.alloc(100 * 1024, 0x61);
    const r = await request(`/upload?token=${server.token}`, { method: 'POST', body: big, headers: { 'x-filename': 'big.csv' } });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('bad-input');
  });
});

describe('served mode: the bridge', () => {
  it('round-trips calls: upload, import, rows, a simulated run with its events, items, detail, export and download', async () => {
    const client = await connect();
    try {
      const info = await client.call('app:info', {});
      expect(info.ok).toBe(true);
      expect(info.res.front).toBe('served');
      expect(JSON.stringify(info.res)).not.toMatch(/sk-/);

      const csv = 'id,text\n' + Array.from({ length: 20 }, (_, i) => `${i},"row ${i}${i === 3 ? ' [[status:400]]' : ''}"`).join('\n') + '\n';
      const up = await request(`/upload?token=${server.token}`, { method: 'POST', body: csv, headers: { 'x-filename': encodeURIComponent('réviews.csv') } });
      expect(up.status).toBe(200);
      const { uploadId } = JSON.parse(up.body);
      const imported = await client.call('dataset:import', { source: { kind: 'upload', uploadId } });
      expect(imported.ok).toBe(true);
      expect(imported.res.name).toBe('réviews.csv');
      expect(imported.res.rowCount).toBe(20);
      const rows = await client.call('dataset:rows', { datasetId: imported.res.id, offset: 0, limit: 2 });
      expect(rows.res.rows).toEqual([
        ['0', 'row 0'],
        ['1', 'row 1'],
      ]);

      const agent = {
        name: 'labeller',
        model: 'gpt-4o-mini',
        prompt: 'Label: {{text}}',
        tools: [{ name: 'answer', parameters: { type: 'object', properties: { label: { type: 'string' }, score: { type: 'number' } }, required: ['label', 'score'] } }],
        doneIfTool: true,
        output: { label: 'label', score: 'score' },
      };
      const est = await client.call('run:estimate', { datasetId: imported.res.id, agent, options: {}, endpoint: { kind: 'simulated' } });
      expect(est.ok).toBe(true);
      expect(est.res.items).toBe(20);
      expect(est.res.promptTokens).toBeGreaterThan(20 * 5);
      expect(est.res.costUsd).toBeGreaterThan(0);

      const started = await client.call('run:start', { datasetId: imported.res.id, agent, options: { batchSize: 4 }, endpoint: { kind: 'simulated' } });
      expect(started.ok).toBe(true);
      const runId = started.res.runId;
      const finished = await client.waitEvent((e) => e.event === 'run:finished' && e.payload.runId === runId);
      expect(finished.payload.status).toBe('completed');
      expect(client.events.some((e) => e.event === 'run:progress' && e.payload.runId === runId)).toBe(true);
      expect(client.events.some((e) => e.event === 'run:items' && e.payload.runId === runId)).toBe(true);

      const failed = await client.call('items:page', { runId, offset: 0, limit: 50, status: 'failed' });
      expect(failed.res.total).toBe(1);
      expect(failed.res.rows[0].index).toBe(3);
      const done = await client.call('items:page', { runId, offset: 0, limit: 50, status: 'done' });
      expect(done.res.total).toBe(19);
      expect(done.res.rows[0].output).toHaveProperty('label');
      const detail = await client.call('item:detail', { runId, index: 0 });
      expect(detail.res.prompt).toBe('Label: row 0');
      expect(detail.res.transcript.length).toBeGreaterThan(1);

      const exported = await client.call('run:export', { runId, format: 'csv' });
      expect(exported.ok).toBe(true);
      expect(exported.res.rows).toBe(20);
      expect(exported.res.downloadUrl).toMatch(/^\/download\//);
      expect((await request(exported.res.downloadUrl)).status).toBe(401);
      const file = await request(`${exported.res.downloadUrl}?token=${server.token}`);
      expect(file.status).toBe(200);
      expect(file.headers['content-disposition']).toMatch(/attachment/);
      expect(file.body).toContain('row 19');

      const list = await client.call('runs:list', {});
      expect(list.res.map((r: { runId: string }) => r.runId)).toContain(runId);
      expect(Object.keys(list.res[0])).not.toContain('calls');
    } finally {
      client.close();
    }
  });

  it('answers a malformed call with a typed bad-request naming the fields, before any handler runs', async () => {
    const client = await connect();
    try {
      const r = await client.call('items:page', { runId: 'x', offset: -1, limit: 0, extra: true });
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe('bad-request');
      expect(r.error.fields).toEqual(expect.arrayContaining(['offset', 'limit']));
      const unknown = await client.call('rm -rf', {});
      expect(unknown.error.code).toBe('bad-request');
      const notJson = await client.raw('{nope');
      expect(notJson).toMatchObject({ id: null, ok: false, error: { code: 'bad-request' } });
      const missing = await client.call('run:get', { runId: '999999' });
      expect(missing.error.code).toBe('not-found');
      const bad = await client.call('dataset:import', { source: { kind: 'upload', uploadId: 'never-uploaded' } });
      expect(bad.error.code).toBe('not-found');
      const pathImport = await client.call('dataset:import', { source: { kind: 'path', path: '/etc/passwd' } });
      expect(pathImport.error.code).toBe('bad-request');
    } finally {
      client.close();
    }
  });

  it('reports a bad CSV as bad-input with its line', async () => {
    const client = await connect();
    try {
      const up = await request(`/upload?token=${server.token}`, { method: 'POST', body: 'a,b\n1,2\n3,"unclosed\n', headers: { 'x-filename': 'bad.csv' } });
      const { uploadId } = JSON.parse(up.body);
      const r = await client.call('dataset:import', { source: { kind: 'upload', uploadId } });
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe('bad-input');
      expect(r.error.message).toMatch(/line 3/i);
    } finally {
      client.close();
    }
  });

  it('survives hostile JSON for every call and always answers a ContractError', async () => {
    const client = await connect();
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const atoms: unknown[] = [null, true, false, 0, -1, 1e308, -0.5, 2 ** 53 + 1, '', 'x'.repeat(5000), '../../etc/passwd', '\u0000', '__proto__', 'constructor', '1', [], {}];
    const keys = ['runId', 'datasetId', 'offset', 'limit', 'agent', 'options', 'endpoint', 'source', 'kind', 'path', 'uploadId', 'format', 'key', 'index', 'status', 'search', 'sort', '__proto__', 'constructor', 'prototype', 'sampleId'];
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.5) return pick(atoms);
      if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) o[pick(keys)] = value(depth + 1);
      return o;
    };
    try {
      for (const name of Object.keys(calls) as CallName[]) {
        for (let i = 0; i < 30; i++) {
          const req = i === 0 ? undefined : i === 1 ? JSON.parse('{"__proto__": {"polluted": 1}, "runId": "1"}') : value(0);
          const r = await client.call(name, req);
          if (!r.ok) {
            expect(ContractErrorSchema.safeParse(r.error).success, `${name} ${JSON.stringify(req)?.slice(0, 200)}`).toBe(true);
            expect(r.error.code).not.toBe('internal');
          }
        }
      }
      // deep nesting and junk frames
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      expect(await client.raw(deep)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(await client.raw('[]')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(await client.raw('"call"')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      // Deep nesting inside a field the schema leaves open: refused there, not an internal error later.
      const nested = '{"x":'.repeat(50_000) + '1' + '}'.repeat(50_000);
      const agent = `{"name":"a","model":"m","prompt":"p","tools":[{"name":"t","parameters":{"type":"object","properties":${nested}}}]}`;
      for (const call of ['run:estimate', 'run:start']) {
        const r = await client.raw(`{"id":null,"call":"${call}","req":{"datasetId":"1","agent":${agent},"options":{},"endpoint":{"kind":"simulated"}}}`);
        expect(r, call).toMatchObject({ ok: false, error: { code: 'bad-request', fields: ['agent.tools.0.parameters'] } });
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const alive = await client.call('app:info', {});
      expect(alive.ok).toBe(true);
    } finally {
      client.close();
    }
  });
});
