import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFetch } from './http.ts';

let server: http.Server;
// Says when a request for /hang has arrived; such a request is never answered.
const arrivals = new EventEmitter();
let base: string;
const pool = new Agent({ connections: 2 });
const fetchLean = makeFetch(() => pool);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/gzip') {
        const data = gzipSync(JSON.stringify({ zipped: true }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': data.length });
        res.end(data);
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else if (req.url === '/hang') {
        arrivals.emit('hang');
      } else {
        res.writeHead(201, { 'content-type': 'application/json', 'x-echo-method': req.method ?? '', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ body, auth: req.headers.authorization ?? null }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('the lean fetch', () => {
  it('sends the method, headers and body, and returns status, headers and body', async () => {
    const res = await fetchLean(`${base}/echo`, { method: 'post', headers: new Headers({ authorization: 'Bearer x' }), body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo-method')).toBe('POST');
    expect(res.headers.get('set-cookie')).toContain('a=1');
    expect(await res.json()).toEqual({ body: '{"a":1}', auth: 'Bearer x' });
  });

  it('decodes a gzip body', async () => {
    const res = await fetchLean(`${base}/gzip`);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(await res.json()).toEqual({ zipped: true });
  });

  // A request that is never answered ends only by its abort: if the abort did not stop it, the test would time out.
  it("stops on the caller's signal given as abortWith, with its reason", async () => {
    const caller = new AbortController();
    const arrived = once(arrivals, 'hang');
    const pending = fetchLean(`${base}/hang`, { abortWith: caller.signal });
    await arrived;
    caller.abort(new Error('stop now'));
    await expect(pending).rejects.toThrow('stop now');
    // Already aborted: it fails before sending.
    await expect(fetchLean(`${base}/hang`, { abortWith: caller.signal })).rejects.toThrow('stop now');
  });

  it('handles a 204 and aborts on its signal', async () => {
    expect((await fetchLean(`${base}/empty`)).status).toBe(204);
    const controller = new AbortController();
    const arrived = once(arrivals, 'hang');
    const pending = fetchLean(`${base}/hang`, { signal: controller.signal });
    await arrived;
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});
