// A real small filesystem for the tests of a full disk: a tmpfs of their own, mounted as root. Where
// none can be mounted (not root, no mount command), `why` says so and the tests skip with that line.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  /** The mount point, or undefined when none could be mounted. */
  dir: string | undefined;
  why: string;
  unmount(): void;
}

export function mountSmallDisk(size: string, prefix: string): SmallDisk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { dir: undefined, why: (err as Error).message.split('\n')[0], unmount() {} };
  }
  return {
    dir,
    why: '',
    unmount() {
      execFileSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a file of `bytes`, or until the disk is full (bounded at 256 MB, far beyond these mounts); returns its path. */
export function fillDisk(dir: string, bytes = Infinity): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (let i = 0, written = 0; i < 1024 && written < bytes; i++, written += chunk.length) fs.writeSync(fd, chunk);
    if (bytes === Infinity) throw new Error('the disk never filled');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
