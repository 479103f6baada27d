// Builds the renderer once before the specs, so they never drive a stale copy of out/renderer
// (and the Electron spec, where it runs, the main process and preload too).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function globalSetup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (process.env.ROWRUNNER_E2E_SKIP_BUILD) return;
  execFileSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}
