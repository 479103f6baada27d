import { afterEach, describe, expect, it } from 'vitest';
import { parseDirectives } from './directives.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from './index.ts';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(options?: SimulatorOptions): Promise<Simulator> {
  const s = await startSimulator(options);
  sims.push(s);
  return s;
}

async function ask(s: Simulator, prompt: string): Promise<{ status: number; headers: Headers }> {
  const res = await fetch(`${s.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: prompt }] }),
  });
  await res.arrayBuffer();
  return { status: res.status, headers: res.headers };
}

describe('[[retryafter:MS]]', () => {
  it('is read beside the other directives, in either spelling', () => {
    expect(parseDirectives('row [[status:429x2]] [[retryafter:250]]')).toMatchObject({ status: 429, statusTimes: 2, retryAfterMs: 250 });
    expect(parseDirectives('row [[ Retry-After : 1500 ]]')).toMatchObject({ retryAfterMs: 1500 });
    expect(parseDirectives('row [[status:429]]')?.retryAfterMs).toBeUndefined();
  });

  it("sets the wait this prompt's 429s ask for; the row then succeeds", async () => {
    const s = await sim();
    const prompt = 'row 7 [[status:429x2]] [[retryafter:250]]';
    const answers = [await ask(s, prompt), await ask(s, prompt), await ask(s, prompt)];
    expect(answers.map((a) => a.status)).toEqual([429, 429, 200]);
    for (const a of answers.slice(0, 2)) {
      expect(a.headers.get('retry-after-ms')).toBe('250');
      expect(a.headers.get('retry-after')).toBe('1'); // whole seconds, at least 1
    }
    expect(answers[2].headers.get('retry-after')).toBeNull();
  });

  it('leaves the other rows at the default of 1 s', async () => {
    const s = await sim();
    await ask(s, 'row 1 [[status:429x1]] [[retryafter:250]]');
    const other = await ask(s, 'row 2 [[status:429x1]]');
    expect(other.status).toBe(429);
    expect(other.headers.get('retry-after')).toBe('1');
    expect(other.headers.get('retry-after-ms')).toBe('1000');
  });

  it("keeps a rate-limited server's x-ratelimit headers on a directive's 429", async () => {
    const s = await sim({ rateLimit: { rpm: 600 } });
    const a = await ask(s, 'row 3 [[status:429x1]] [[retryafter:2500]]');
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('3');
    expect(a.headers.get('retry-after-ms')).toBe('2500');
    expect(a.headers.get('x-ratelimit-limit-requests')).toBe('600');
    expect(a.headers.get('x-ratelimit-remaining-requests')).toBe('599');
  });
});

describe('[[echokey]]', () => {
  it("answers 401 quoting the request's Authorization header, every time", async () => {
    const s = await sim();
    const send = () =>
      fetch(`${s.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-echoed-0123456789' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'row 3 [[echokey]]' }] }),
      });
    for (let i = 0; i < 2; i++) {
      const res = await send();
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { message: string; code: string } };
      expect(body.error.message).toContain('Bearer sk-echoed-0123456789');
      expect(body.error.code).toBe('invalid_api_key');
    }
    expect(parseDirectives('row [[ EchoKey ]]')?.echoKey).toBe(true);
    expect(parseDirectives('row [[status:500]]')?.echoKey).toBe(false);
  });
});
