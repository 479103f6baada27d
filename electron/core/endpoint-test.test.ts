// "Test connection" against real servers: the test server answers, a closed port and a wrong path are
// each said in a sentence that says what to fix.
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testEndpoint } from './endpoint-test.ts';
import { startSimulator, type Simulator } from './simulator/index.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 0 });
});
afterAll(async () => {
  await sim.close();
});

it('says the endpoint answers, with its number of models', async () => {
  const res = await testEndpoint(sim.url, 'sk-test');
  expect(res.ok).toBe(true);
  expect(res.message).toMatch(new RegExp(`^Connected to ${sim.url.replace(/[.]/g, '\\.')}: it answers with \\d+ models?\\.$`));
});

it('says a server that is not there cannot be reached', async () => {
  // A port that was free a moment ago: nothing listens there.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const res = await testEndpoint(`http://127.0.0.1:${port}/v1`, 'k');
  expect(res).toMatchObject({ ok: false });
  expect(res.message).toContain(`Could not reach http://127.0.0.1:${port}/v1`);
});

it('points at the base URL when /models is not found there', async () => {
  const wrong = sim.url.replace(/\/v1\/?$/, '/nope');
  const res = await testEndpoint(wrong, 'k');
  expect(res.ok).toBe(false);
  expect(res.message).toContain('check the base URL');
});
