import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { MAX_REPLY_BYTES, replyText, startServer, type RunningServer } from '../../../../main/server/server';
import { MAX_PAGE_EXPORT_BYTES } from '../../../../main/export/request';

let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  // A stand-in build folder: these tests are about the transport, not the page.
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>ConvStudio</title>');
  server = await startServer({ port: 0, rendererDir, runsRoot: path.join(rendererDir, 'runs'), log: () => {} });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

function request(opts: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, agent: false, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function openSocket(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextReply(ws: WebSocket): Promise<any> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
}

describe('browser-mode server: HTTP', () => {
  it('serves the page without a token (it holds no data)', async () => {
    const r = await request({ path: '/' });
    expect(r.status).toBe(200);
    expect(r.body).toContain('ConvStudio');
  });

  it('refuses an API request without the token', async () => {
    const r = await request({ path: '/api/info', method: 'POST' });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error.code).toBe('unauthorized');
  });

  it('refuses an API request with a wrong token', async () => {
    const r = await request({ path: '/api/info', method: 'POST', headers: { 'x-convstudio-token': server.token + 'x' } });
    expect(r.status).toBe(401);
  });

  it('answers an API request with the token', async () => {
    const r = await request({ path: '/api/info', method: 'POST', headers: { 'x-convstudio-token': server.token } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { host: 'browser' } });
  });

  it('refuses another Origin even with the token', async () => {
    const r = await request({ path: '/api/info', method: 'POST', headers: { 'x-convstudio-token': server.token, origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
  });

  it('refuses a Host that is not this server (DNS rebinding)', async () => {
    const r = await request({ path: '/api/info', method: 'POST', headers: { 'x-convstudio-token': server.token, host: `evil.example:${server.port}` } });
    expect(r.status).toBe(421);
  });

  it('does not serve files outside the build folder', async () => {
    const r = await request({ path: '/..%2f..%2fetc%2fpasswd' });
    expect(r.status).toBe(404);
  });

  it('answers a non-JSON body with an error value', async () => {
    const r = await request({ path: '/api/startTraining', method: 'POST', headers: { 'x-convstudio-token': server.token }, body: '{nope' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.code).toBe('bad-request');
  });
});

describe('browser-mode server: WebSocket', () => {
  it('refuses a socket without the token', async () => {
    await expect(openSocket('')).rejects.toThrow('refused 401');
  });

  it('refuses a socket from another Origin', async () => {
    await expect(openSocket(`?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow('refused 403');
  });

  it('answers malformed messages with an error reply and keeps serving', async () => {
    const ws = await openSocket(`?token=${server.token}`, { origin: server.url });
    const cases = ['not json', '[1,2]', '{"type":"call"}', '{"type":"call","id":3,"call":"rm -rf"}', '{"type":"shout","id":4}', 'null'];
    for (const text of cases) {
      const reply = nextReply(ws);
      ws.send(text);
      const r = await reply;
      expect(r.type, text).toBe('result');
      expect(r.result.ok, text).toBe(false);
      expect(r.result.error.code, text).toBe('bad-request');
    }
    const reply = nextReply(ws);
    ws.send(JSON.stringify({ type: 'call', id: 9, call: 'info' }));
    expect(await reply).toMatchObject({ type: 'result', id: 9, result: { ok: true } });
    ws.close();
  });

  it('rejects an invalid graph sent for training with its diagnostics', async () => {
    const ws = await openSocket(`?token=${server.token}`);
    const reply = nextReply(ws);
    ws.send(JSON.stringify({ type: 'call', id: 1, call: 'startTraining', args: [{ graph: { format: 'something-else' }, config: {} }] }));
    const r = await reply;
    expect(r.result.ok).toBe(false);
    expect(r.result.error.code).toBe('invalid-graph');
    ws.close();
  });

  it('survives an oversized frame: that socket closes, the server answers the next one', async () => {
    const ws = await openSocket(`?token=${server.token}`);
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.send('x'.repeat(13 * 1024 * 1024));
    await closed;
    const again = await openSocket(`?token=${server.token}`);
    const reply = nextReply(again);
    again.send(JSON.stringify({ type: 'call', id: 1, call: 'info' }));
    expect((await reply).result.ok).toBe(true);
    again.close();
  });
});

describe('browser-mode server: limits', () => {
  it('a client that stalls mid-headers gets 408 and is closed; others are answered meanwhile', async () => {
    const lines: string[] = [];
    const quick = await startServer({ port: 0, rendererDir, runsRoot: path.join(rendererDir, 'runs'), log: (l) => lines.push(l), limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 } });
    try {
      const got = await new Promise<string>((resolve) => {
        const s = net.connect(quick.port, '127.0.0.1');
        let text = '';
        s.on('data', (d) => (text += d));
        s.on('close', () => resolve(text));
        s.on('error', () => resolve(text));
        s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      });
      expect(got).toMatch(/^HTTP\/1\.1 408 /);
      expect(lines.some((l) => l.includes('Request Timeout'))).toBe(true);
      // A socket (the training event stream, open for hours) is not a slow request: it outlives
      // several request timeouts and still answers.
      const ws = new WebSocket(`ws://127.0.0.1:${quick.port}/ws?token=${quick.token}`);
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const reply = nextReply(ws);
      ws.send(JSON.stringify({ type: 'call', id: 1, call: 'info' }));
      expect((await reply).result.ok).toBe(true);
      ws.close();
    } finally {
      await quick.close();
    }
  });

  it.each([
    ['a cyclic value', () => { const a: Record<string, unknown> = {}; a.self = a; return a; }],
    ['a BigInt', () => ({ n: 10n })],
    ['a value past the reply limit', () => ({ events: ['x'.repeat(MAX_REPLY_BYTES)] })],
  ])('a reply that cannot be sent as it is (%s) becomes an error value', (_what, make) => {
    const text = replyText(make());
    expect(text.length).toBeLessThan(1000);
    expect(JSON.parse(text)).toMatchObject({ ok: false, error: { code: 'reply-too-large' } });
  });

  it('the reply limit holds the largest reply the Api makes: an export for the page, as base64 in JSON', () => {
    const zipOverhead = 1024 * 1024;
    expect(Math.ceil((MAX_PAGE_EXPORT_BYTES + zipOverhead) / 3) * 4 + 64 * 1024).toBeLessThan(MAX_REPLY_BYTES);
    const text = replyText({ ok: true, value: { zip: 'A'.repeat(Math.ceil(MAX_PAGE_EXPORT_BYTES / 3) * 4) } });
    expect(JSON.parse(text).ok).toBe(true);
  });

  it('the page is served with a strict policy and no Referer', async () => {
    const r = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: server.port, path: '/', agent: false }, resolve).on('error', reject);
    });
    r.resume();
    const csp = String(r.headers['content-security-policy']);
    for (const d of ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(d);
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(server.pageUrl).toMatch(/\/#token=/);
  });
});
