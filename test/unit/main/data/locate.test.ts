import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FILE_NAMES, SYSTEM_DATA_DIR, locateData, missingDataMessage, userDataDir } from '../../../../main/data/locate';

function fakeDataDir(gz: boolean): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-data-'));
  for (const n of Object.values(FILE_NAMES)) writeFileSync(path.join(dir, gz ? `${n}.gz` : n), 'x');
  return dir;
}

describe('locating Fashion-MNIST', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'cs-home-'));
  const baseEnv = { HOME: home } as NodeJS.ProcessEnv;

  it('looks in $CONVSTUDIO_DATA, then the user data dir, then Debian\'s package', () => {
    const env = { ...baseEnv, CONVSTUDIO_DATA: '/nowhere/at/all' };
    const got = locateData(null, env);
    expect(got.searched).toEqual(['/nowhere/at/all', path.join(home, '.local', 'share', 'convstudio', 'fashion-mnist'), SYSTEM_DATA_DIR]);
    expect(got.dir).toBe(SYSTEM_DATA_DIR);
    expect(got.files!.trainImages).toBe(path.join(SYSTEM_DATA_DIR, 'train-images-idx3-ubyte.gz'));
  });

  it('prefers the env folder and the user folder over the system copy, and accepts raw files', () => {
    const envDir = fakeDataDir(false);
    expect(locateData(null, { ...baseEnv, CONVSTUDIO_DATA: envDir }).dir).toBe(envDir);
    const user = userDataDir(baseEnv);
    mkdirSync(user, { recursive: true });
    for (const n of Object.values(FILE_NAMES)) writeFileSync(path.join(user, `${n}.gz`), 'x');
    expect(locateData(null, baseEnv).dir).toBe(user);
  });

  it('an explicit folder is the only place looked, and the message says where and how to get the files', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'cs-empty-'));
    const got = locateData(empty, baseEnv);
    expect(got.dir).toBeNull();
    expect(got.searched).toEqual([empty]);
    const msg = missingDataMessage(got.searched);
    expect(msg).toContain(empty);
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(msg).toContain('--data');
  });

  it('uses the platform\'s user data folder', () => {
    expect(userDataDir({ HOME: '/h' }, 'darwin')).toBe('/h/Library/Application Support/convstudio/fashion-mnist');
    expect(userDataDir({ HOME: '/h', XDG_DATA_HOME: '/x' }, 'linux')).toBe('/x/convstudio/fashion-mnist');
    expect(userDataDir({ HOME: '/h', LOCALAPPDATA: 'C:\\L' }, 'win32')).toContain('convstudio');
  });
});
