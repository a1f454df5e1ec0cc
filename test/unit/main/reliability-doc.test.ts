/** docs/RELIABILITY.md must state the limits the code enforces and name tests that exist. */

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_DEPTH, MAX_EDGES, MAX_GRAPH_BYTES, MAX_NODES } from '../../../shared/graph/parse';
import { MAX_DIAGNOSTICS, MAX_MESSAGE_CHARS } from '../../../shared/shapes/analyze';
import { MAX_TENSOR_ELEMENTS, WASM_MEMORY_BYTES } from '../../../shared/shapes/memory';
import { DEFAULT_LIMITS, MAX_MESSAGE_BYTES, MAX_REPLY_BYTES, MAX_SOCKET_BUFFER_BYTES } from '../../../main/server/server';

const root = path.resolve(__dirname, '../../..');
const doc = readFileSync(path.join(root, 'docs/RELIABILITY.md'), 'utf8');
const MB = 1024 * 1024;
const grouped = (n: number) => n.toLocaleString('en-US');

describe('docs/RELIABILITY.md', () => {
  it.each([
    ['graph size', `${MAX_GRAPH_BYTES / MB} MB (\`MAX_GRAPH_BYTES\`)`],
    ['nodes, edges, depth', `${grouped(MAX_NODES)} nodes, ${grouped(MAX_EDGES)} edges, depth ${MAX_DEPTH}`],
    ['request size', `${MAX_GRAPH_BYTES / MB} MB + ${(MAX_MESSAGE_BYTES - MAX_GRAPH_BYTES) / MB} MB envelope`],
    ['reply size', `${MAX_REPLY_BYTES / MB} MB (\`MAX_REPLY_BYTES\`)`],
    ['slow clients', `headers in ${DEFAULT_LIMITS.headersTimeoutMs / 1000} s, a request in ${DEFAULT_LIMITS.requestTimeoutMs / 1000} s, ${DEFAULT_LIMITS.maxConnections} connections`],
    ['socket buffer', `past ${MAX_SOCKET_BUFFER_BYTES / MB} MB unsent`],
    ['diagnostics', `${MAX_DIAGNOSTICS} listed + one "and N more"; ${MAX_MESSAGE_CHARS} characters a message`],
    ['one tensor', `2^${Math.log2(MAX_TENSOR_ELEMENTS + 1)} − 1 elements`],
    ['wasm memory', `${WASM_MEMORY_BYTES / 1024 ** 3} GB on wasm`],
  ])('states the %s limit the code enforces', (_what, text) => {
    expect(doc).toContain(text);
  });

  it('every test file it names exists', () => {
    const named = [...new Set(doc.match(/test\/(unit|e2e)\/[\w/.-]+\.ts/g) ?? [])];
    expect(named.length).toBeGreaterThan(10);
    for (const f of named) expect(existsSync(path.join(root, f)), f).toBe(true);
  });
});
