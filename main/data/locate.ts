/**
 * Where the four Fashion-MNIST files may live, in the order a user would expect: the folder
 * they named (--data or the app setting), $CONVSTUDIO_DATA, the per-user data folder the
 * downloader fills, and Debian's dataset-fashion-mnist package.
 */

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type FileKey = keyof typeof FILE_NAMES;

export const SYSTEM_DATA_DIR = '/usr/share/datasets/fashion-mnist';

export interface Located {
  /** The folder holding all four files, or null. */
  dir: string | null;
  /** Every folder looked in, in order (for the "not found" message). */
  searched: string[];
  /** Path of each file (gz or raw) when dir is set. */
  files: Record<FileKey, string> | null;
}

/** ~/.local/share/convstudio/fashion-mnist or the platform's equivalent. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'convstudio', 'fashion-mnist');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'convstudio', 'fashion-mnist');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'convstudio', 'fashion-mnist');
}

export function filesIn(dir: string): Record<FileKey, string> | null {
  const out: Partial<Record<FileKey, string>> = {};
  for (const [key, base] of Object.entries(FILE_NAMES) as [FileKey, string][]) {
    const gz = path.join(dir, `${base}.gz`);
    const raw = path.join(dir, base);
    if (existsSync(gz)) out[key] = gz;
    else if (existsSync(raw)) out[key] = raw;
    else return null;
  }
  return out as Record<FileKey, string>;
}

/**
 * A folder the user named explicitly is the only place looked: silently training on other files
 * than the ones asked for would be worse than an error.
 */
export function candidateDirs(dir?: string | null, env: NodeJS.ProcessEnv = process.env): string[] {
  if (dir) return [path.resolve(dir)];
  const out: string[] = [];
  if (env.CONVSTUDIO_DATA) out.push(path.resolve(env.CONVSTUDIO_DATA));
  out.push(userDataDir(env));
  out.push(SYSTEM_DATA_DIR);
  return out;
}

export function locateData(dir?: string | null, env: NodeJS.ProcessEnv = process.env): Located {
  const searched = candidateDirs(dir, env);
  for (const d of searched) {
    const files = filesIn(d);
    if (files) return { dir: d, searched, files };
  }
  return { dir: null, searched, files: null };
}

export function missingDataMessage(searched: string[], extra?: string): string {
  const names = Object.values(FILE_NAMES).map((n) => `${n}.gz`).join(', ');
  return [
    `Fashion-MNIST not found. Looked for ${names} in:`,
    ...searched.map((d) => `  - ${d}`),
    ...(extra ? [extra] : []),
    'To get the files: on Debian/Ubuntu `sudo apt-get install dataset-fashion-mnist`; or download the four files from',
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ into a folder and pass --data FOLDER (or set CONVSTUDIO_DATA);',
    `or let ConvStudio download them into ${searched.length ? userDataDir() : 'the user data folder'} when it has internet access.`,
  ].join('\n');
}
