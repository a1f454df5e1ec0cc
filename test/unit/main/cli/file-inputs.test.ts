/**
 * What a graph path can name, through every command that reads one (summary, export, train) as
 * real processes: a folder, a FIFO, a device, a file over the limit, a missing file. Each must be
 * refused with exit 2 and one line naming the file, without a stack trace and without waiting
 * (a FIFO used to hang `train`; /dev/zero made it abort with std::bad_alloc).
 */

import { spawn, execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_GRAPH_BYTES } from '../../../../shared/graph/parse';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cs-file-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A ceiling against hangs, not a speed check: each refusal takes well under a second of work, but
 * starting a tsx process on a machine shared by many test runs has taken up to a minute.
 */
const HANG_MS = 180_000;

interface Ran { code: number | null; stdout: string; stderr: string; hung: boolean }

function cli(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/index.ts', ...args], { cwd: root, env: { ...process.env, CONVSTUDIO_DATA_URL: 'http://127.0.0.1:9/' } });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const timer = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, HANG_MS);
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, hung }); });
  });
}

const folder = join(tmp, 'a-folder.json');
mkdirSync(folder);
const fifo = join(tmp, 'a-fifo.json');
execFileSync('mkfifo', [fifo]);
// Sparse: 100 MB that cost nothing to make, refused before a byte of it is read.
const huge = join(tmp, 'huge.json');
const fd = openSync(huge, 'w');
ftruncateSync(fd, 100 * 1024 * 1024);
closeSync(fd);
const justOver = join(tmp, 'just-over.json');
const fd2 = openSync(justOver, 'w');
ftruncateSync(fd2, MAX_GRAPH_BYTES + 1);
closeSync(fd2);

const CASES: [string, string, RegExp][] = [
  // export also reads run folders, so it says which kind of folder it wanted.
  ['a folder', folder, /is a folder(, not a graph file| but not a run folder)/],
  ['a FIFO', fifo, /is a named pipe \(FIFO\), not a graph file/],
  ['/dev/zero', '/dev/zero', /is a device, not a graph file/],
  ['a 100 MB file', huge, /is 100\.0 MB; a graph file is at most 5 MB/],
  ['a file one byte over the limit', justOver, /is 5\.0 MB; a graph file is at most 5 MB/],
  ['a missing file', join(tmp, 'missing.json'), /neither a template \(lenet, .*\) nor a file: .*missing\.json does not exist/],
];

// One command at a time, its cases together: 18 processes at once starved each other past the ceiling.
describe.each(['summary', 'export', 'train'])('convstudio %s refuses what is not a graph file', (command) => {
  it.concurrent.each(CASES)('%s: exit 2, one line naming it, no stack, no hang', { timeout: HANG_MS + 30_000 }, async (_what, file, message) => {
    const r = await cli([command, file]);
    expect(r.hung, `${command} ${file} still running after ${HANG_MS} ms`).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at |bad_alloc|EISDIR/);
  });
});
