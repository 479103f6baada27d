// A checkout's first `rowrunner serve` has no out/renderer yet: build it (vite, a few seconds) and say
// so, instead of serving 503s. A packaged app carries its build and never gets here.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CONFIG = path.join(ROOT, 'renderer', 'vite.config.ts');

export function rendererBuilt(rendererDir: string): boolean {
  return existsSync(path.join(rendererDir, 'index.html'));
}

/**
 * Builds the renderer into rendererDir when it holds no build and this is a checkout with the
 * renderer's sources; false when there is nothing to build from. Throws when the build fails.
 */
export async function buildRendererIfMissing(rendererDir: string, say: (line: string) => void): Promise<boolean> {
  if (rendererBuilt(rendererDir) || !existsSync(CONFIG)) return false;
  let viteBin: string;
  try {
    viteBin = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    return false;
  }
  say(`The web UI is not built yet: building it into ${rendererDir} (npm run build:renderer, once, a few seconds)…`);
  const args = [viteBin, 'build', '--config', CONFIG, '--outDir', rendererDir, '--emptyOutDir', '--logLevel', 'warn'];
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0 || !rendererBuilt(rendererDir)) {
    throw new Error(`building the web UI failed (exit ${code}); run \`npm run build:renderer\` to see why.\n${output.join('').trim()}`);
  }
  say('Built the web UI.');
  return true;
}
