// The one atomic-write module, on real files: both forms replace a file whole, leave no
// temporary behind (also when the write fails), and concurrent writes of one file do not collide.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicAsync, writeJsonAtomic, writeJsonAtomicAsync } from '../../../../main/common/atomic';

const root = mkdtempSync(path.join(os.tmpdir(), 'convstudio-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const dir = path.join(root, `d${n++}`);
  mkdirSync(dir);
  return dir;
};

const FORMS = [
  ['sync', async (f: string, d: string | Uint8Array) => writeFileAtomic(f, d), async (f: string, v: unknown) => writeJsonAtomic(f, v)],
  ['async', writeFileAtomicAsync, writeJsonAtomicAsync],
] as const;

describe.each(FORMS)('atomic writes (%s)', (_form, writeFile, writeJson) => {
  it('replaces the file whole and leaves only it in the folder', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'state.json');
    writeFileSync(file, 'old contents that are longer than the new ones');
    await writeJson(file, { a: 1 });
    expect(readFileSync(file, 'utf8')).toBe('{\n  "a": 1\n}\n');
    await writeFile(file, new Uint8Array([104, 105]));
    expect(readFileSync(file, 'utf8')).toBe('hi');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('a failed write keeps the old target and removes its temporary', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(path.join(target, 'inside'), 'kept');
    await expect(writeFile(target, 'new')).rejects.toThrow();
    expect(readFileSync(path.join(target, 'inside'), 'utf8')).toBe('kept');
    expect(readdirSync(dir)).toEqual(['occupied']);
  });

  it('refuses a folder that does not exist, naming the path', async () => {
    const file = path.join(root, 'missing', 'x.json');
    await expect(writeJson(file, {})).rejects.toThrow(/missing/);
  });
});

describe('concurrent async writes of one file', () => {
  it('all finish, one of them wins whole, and no temporary is left', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'recent.json');
    const values = Array.from({ length: 20 }, (_, i) => ({ i, pad: 'x'.repeat(1000 * i) }));
    await Promise.all(values.map((v) => writeJsonAtomicAsync(file, v)));
    const final = JSON.parse(readFileSync(file, 'utf8'));
    expect(values).toContainEqual(final);
    expect(readdirSync(dir)).toEqual(['recent.json']);
  });
});
