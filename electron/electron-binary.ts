// `npm start` runs this before it builds: the electron package holds no binary until first use, when
// it downloads one (about 100 MB, from GitHub or $ELECTRON_MIRROR). Fetch it here and, when that cannot
// be done, say so plainly instead of Electron's "failed to install correctly".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const pkg = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));

function installedBinary(): string | undefined {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = path.join(pkg, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : undefined;
}

if (!installedBinary()) {
  process.stderr.write('The Electron binary is not installed yet: it downloads once, on first use, and needs the internet. Downloading…\n');
  const fetched = spawnSync(process.execPath, [path.join(pkg, 'install.js')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (fetched.status !== 0 || !installedBinary()) {
    const why = fetched.stderr.trim().split('\n').find((line) => /error/i.test(line)) ?? `exit ${fetched.status}`;
    process.stderr.write(
      `npm start could not download the Electron binary (${why.trim()}).\n` +
        'Electron downloads on first use and needs the internet: connect and run `npm start` again, or point\n' +
        'ELECTRON_MIRROR at a mirror, or ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron 45.\n' +
        'Without Electron, the same app runs in a browser: `npx rowrunner serve`.\n',
    );
    process.exit(1);
  }
}
