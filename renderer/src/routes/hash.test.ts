import { describe, expect, it } from 'vitest';
import { hashOf, parseHash, type Route } from './hash.ts';

describe('hash routes', () => {
  it('read back what they write', () => {
    const routes: Route[] = [{ screen: 'import' }, { screen: 'runs' }, { screen: 'results', runId: '12' }, { screen: 'run', runId: '3' }, { screen: 'compare', runIds: ['3', '5', '8'] }];
    for (const route of routes) {
      expect(parseHash(hashOf(route))).toEqual(route);
    }
    expect(parseHash('#/run')).toEqual({ screen: 'run' });
  });
  it('are null for what is not a route', () => {
    for (const hash of ['', '#', '#/nowhere', '#/results/abc', '#/runs/12', '#/compare/1,x', '#/results/1/2', '#/__proto__']) {
      expect(parseHash(hash), hash).toBeNull();
    }
  });
});
