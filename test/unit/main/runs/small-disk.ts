/**
 * Small real file systems for fault tests: a tmpfs of a few hundred KiB (mounted with
 * `mount -t tmpfs`, which needs root) that a test fills to make ENOSPC happen exactly where it
 * wants, and a read-only one. Where mounting is not possible the tests are skipped, and the reason
 * is printed.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  dir: string;
  /** Bytes still free. */
  free(): number;
  /** Writes a filler file leaving about `bytes` free (rounded down to whole pages). */
  fillLeaving(bytes: number): void;
  /** Deletes the filler: the disk has room again. */
  unfill(): void;
  unmount(): void;
}

function mount(options: string): { dir: string } | { skip: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}); the small-disk fault tests need root` };
  }
  return { dir };
}

function unmountDir(dir: string): void {
  spawnSync('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Whether the fault tests can run here; the reason when not (printed once by each test file). */
export const smallDiskSkip: string | null = (() => {
  const m = mount('size=64k');
  if ('skip' in m) return m.skip;
  unmountDir(m.dir);
  return null;
})();

export function smallDisk(kib: number): SmallDisk {
  const m = mount(`size=${kib}k`);
  if ('skip' in m) throw new Error(m.skip);
  const filler = path.join(m.dir, '.filler');
  const free = () => {
    const s = statfsSync(m.dir);
    return s.bavail * s.bsize;
  };
  return {
    dir: m.dir,
    free,
    fillLeaving(bytes) {
      const n = free() - bytes;
      if (n > 0) writeFileSync(filler, Buffer.alloc(n));
    },
    unfill() { rmSync(filler, { force: true }); },
    unmount() { unmountDir(m.dir); },
  };
}

export function readOnlyDisk(): { dir: string; unmount(): void } {
  const m = mount('size=64k,ro');
  if ('skip' in m) throw new Error(m.skip);
  return { dir: m.dir, unmount: () => unmountDir(m.dir) };
}
