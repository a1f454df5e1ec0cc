/**
 * Browser mode (`npm run serve`): serves the built renderer and the same Api the Electron
 * preload exposes, over HTTP (POST /api/<call>, the body the JSON list of arguments) and a
 * WebSocket (/ws, calls plus the training event stream). Both hand every call to the dispatcher
 * IPC uses too (main/api/dispatch.ts), so a call is checked the same way whichever way it came.
 * Bound to 127.0.0.1 only. Because any web page the user visits could try to talk to a local
 * port, every API request and socket needs the per-launch token, a Host header naming this
 * server (against DNS rebinding) and, when a browser sends one, an Origin of this server.
 *
 * This process supervises the trainings it started, so nothing a client sends may end it: every
 * handler (static files, the Api over HTTP, the socket, the upgrade) catches what it does not
 * expect, answers a 4xx/5xx or an error value and logs one line; replies are bounded in size, so
 * a reply too large to build (a JSON string past V8's limit) is an error value, not a crash.
 */

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { fail, type Api, type Result } from '../../shared/api';
import type { BackendChoice } from '../../shared/training/settings';
import { hasControlCharacters, terminalSafe } from '../../shared/format';
import { MAX_GRAPH_BYTES } from '../../shared/graph/parse';
import { dispatch } from '../api/dispatch';
import { createNodeApi, type NodeApiOptions } from '../api/node-api';
import { mimeType } from '../common/mime';
import { moduleDir } from '../common/module-dir';

const ROOT = path.resolve(moduleDir(import.meta.url), '../..');
/** A request carries at most one graph (MAX_GRAPH_BYTES, the one limit) and a small envelope. */
export const MAX_MESSAGE_BYTES = MAX_GRAPH_BYTES + 1024 * 1024;
/**
 * The largest reply: the biggest thing the Api returns is an export for the page (a zip of up to
 * MAX_PAGE_EXPORT_BYTES in main/export/request.ts, sized so its base64 and the envelope fit);
 * past this a reply becomes an error value instead of a string V8 may not be able to build.
 */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;
/** The page's files: the largest built asset is a few MB. */
const MAX_STATIC_BYTES = 64 * 1024 * 1024;
/**
 * A socket whose client stops reading while events stream would buffer without end; past this
 * much unsent data it is closed (the page reconnects while it listens for events).
 */
export const MAX_SOCKET_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * How long a client may take: headers within 10 s and a whole request within 60 s (a 5 MB graph
 * over loopback takes milliseconds), so a slow or stalled client holds a connection only that
 * long. Connections past `maxConnections` are refused at accept.
 */
export interface ServerLimits { headersTimeoutMs: number; requestTimeoutMs: number; checkIntervalMs: number; maxConnections: number }
export const DEFAULT_LIMITS: Readonly<ServerLimits> = { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, checkIntervalMs: 1_000, maxConnections: 256 };

/**
 * The page's policy: only its own scripts, styles (React Flow sets inline styles) and socket; no
 * plugins, no <base> that would redirect its relative URLs, no form posting anywhere, no framing.
 */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers on every response: no sniffing, and the page's URL (it carried the token) never sent on as a Referer. */
const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

/** A reply as JSON text within MAX_REPLY_BYTES, or the error value that says why not. */
export function replyText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    return JSON.stringify(fail('reply-too-large', `The reply could not be built (${err instanceof Error ? err.message : String(err)}).`));
  }
  if (text === undefined) return JSON.stringify(fail('internal', 'The reply was empty.'));
  if (text.length > MAX_REPLY_BYTES) {
    return JSON.stringify(fail('reply-too-large', `The reply would be ${(text.length / 1048576).toFixed(0)} MB; replies are at most ${MAX_REPLY_BYTES / 1048576} MB.`));
  }
  return text;
}

const describeError = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface ServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Folder with the built renderer (index.html). */
  rendererDir?: string;
  runsRoot?: string;
  /** Where the autosave lives (default: the runs folder). */
  dataDir?: string;
  /** Fixed token (tests); otherwise a random one per launch. */
  token?: string;
  /** An Api to serve instead of createNodeApi's (tests of the transport). */
  api?: Api;
  jobs?: NodeApiOptions['jobs'];
  listBackends?: NodeApiOptions['listBackends'];
  engine?: NodeApiOptions['engine'];
  doctor?: NodeApiOptions['doctor'];
  workerRuns?: NodeApiOptions['workerRuns'];
  estimator?: NodeApiOptions['estimator'];
  log?: (line: string) => void;
  /** Slow-client and connection limits (tests shorten them). */
  limits?: Partial<ServerLimits>;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  /** The page's address, token included. */
  pageUrl: string;
  close(): Promise<void>;
}

/**
 * A call on the socket: `id` is echoed so the client can match the reply; `args` is the call's
 * argument list (left out: none).
 */
interface CallMessage {
  type: 'call';
  id: number | string;
  call: unknown;
  args: unknown;
}

function tokensEqual(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Unwraps one socket message; a malformed envelope yields the error reply to send back. */
function parseCallMessage(raw: string): { msg: CallMessage } | { error: Result<never>; id: CallMessage['id'] | null } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { error: fail('bad-request', 'Message is not JSON. Send {"type":"call","id":1,"call":"info"}.'), id: null };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: fail('bad-request', 'Message must be a JSON object {type, id, call, args}.'), id: null };
  }
  const m = value as Record<string, unknown>;
  const id = typeof m.id === 'number' || typeof m.id === 'string' ? m.id : null;
  if (m.type !== 'call') return { error: fail('bad-request', `Message type must be "call" (got ${JSON.stringify(m.type)}).`), id };
  if (id === null) return { error: fail('bad-request', 'Message needs an id (number or string) to match the reply.'), id };
  // The call itself (name, arguments) is the dispatcher's to check, as for IPC.
  return { msg: { type: 'call', id, call: m.call, args: m.args === undefined ? [] : m.args } };
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
  const rendererDir = path.resolve(opts.rendererDir ?? path.join(ROOT, 'out/renderer'));
  const runsRoot = path.resolve(opts.runsRoot ?? path.join(process.cwd(), 'runs'));
  const log = opts.log ?? ((line: string) => console.log(line));
  const api = opts.api ?? createNodeApi({ runsRoot, dataDir: opts.dataDir, jobs: opts.jobs, listBackends: opts.listBackends, doctor: opts.doctor, engine: opts.engine, estimator: opts.estimator, workerRuns: opts.workerRuns, host: 'browser' });
  let port = 0;

  const hostAllowed = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  const originAllowed = (origin: string | undefined) =>
    origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;

  /** Why a request must be refused, or null. Static files need no token: they hold no data. */
  function refusal(req: http.IncomingMessage, needsToken: boolean, urlToken: string | null): { status: number; message: string } | null {
    if (!hostAllowed(req.headers.host)) return { status: 421, message: `Host "${req.headers.host ?? ''}" is not this server.` };
    if (!originAllowed(req.headers.origin)) return { status: 403, message: `Origin "${req.headers.origin}" may not use this server.` };
    if (needsToken) {
      const header = req.headers['x-convstudio-token'];
      const given = typeof header === 'string' ? header : urlToken;
      if (!tokensEqual(given, token)) return { status: 401, message: 'Missing or wrong token: open the URL the server printed (it carries ?token=...).' };
    }
    return null;
  }

  /** One line per refused or failed request, made safe for the terminal and kept short. */
  const logProblem = (where: string, what: string) => {
    try {
      log(terminalSafe(`convstudio serve: ${where.slice(0, 200)}: ${what.slice(0, 500)}`, { line: true }));
    } catch { /* a logger that throws must not take the server down */ }
  };

  const sendJson = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const text = replyText(body);
    res.writeHead(status, { ...COMMON_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  };

  async function serveStatic(urlPath: string, res: http.ServerResponse): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return sendJson(res, 400, fail('bad-request', 'Malformed path.'));
    }
    // A NUL makes every file API throw; no file of the page has one (or any control character).
    if (hasControlCharacters(rel)) return sendJson(res, 400, fail('bad-request', 'The path holds control characters.'));
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(rendererDir, '.' + rel);
    if (!file.startsWith(rendererDir + path.sep)) return sendJson(res, 404, fail('not-found', 'Not found.'));
    const missing = () => sendJson(res, 404, fail('not-found', rel === '/index.html' ? `No renderer build in ${rendererDir}: run "node scripts/build.mjs --renderer" first.` : 'Not found.'));
    let data: Buffer;
    try {
      const stat = await fs.promises.stat(file);
      if (!stat.isFile() || stat.size > MAX_STATIC_BYTES) return missing();
      data = await fs.promises.readFile(file);
    } catch {
      return missing();
    }
    if (res.headersSent || res.destroyed) return;
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': mimeType(file),
      'cache-control': 'no-cache',
      'content-security-policy': contentSecurityPolicy(port),
    });
    res.end(data);
  }

  function callOverHttp(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > MAX_MESSAGE_BYTES) {
        tooBig = true;
        chunks.length = 0;
        // Stop reading, answer, then close: the client learns why instead of seeing a reset.
        req.pause();
        res.once('finish', () => req.destroy());
        sendJson(res, 413, fail('too-large', `The request is over ${MAX_MESSAGE_BYTES / 1048576} MB; a graph is at most ${MAX_GRAPH_BYTES / 1048576} MB.`), { connection: 'close' });
        logProblem(`POST ${url.pathname}`, 'request body too large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) return;
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let args: unknown;
        try {
          args = text.trim() === '' ? [] : JSON.parse(text);
        } catch {
          return sendJson(res, 400, fail('bad-request', 'Body is not JSON: send the list of arguments, e.g. [] or [{"runId":"..."}].'));
        }
        let call: string;
        try {
          call = decodeURIComponent(url.pathname.slice('/api/'.length));
        } catch {
          return sendJson(res, 400, fail('bad-request', 'Malformed call name in the path.'));
        }
        sendJson(res, 200, await dispatch(api, call, args));
      })().catch((err: unknown) => {
        logProblem(`POST ${url.pathname}`, describeError(err));
        sendJson(res, 500, fail('internal', `The server failed on this request: ${describeError(err)}`));
      });
    });
    req.on('error', () => {});
  }

  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  }, (req, res) => {
    res.on('error', () => {});
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const isApi = url.pathname.startsWith('/api/');
      const refused = refusal(req, isApi, url.searchParams.get('token'));
      if (refused) return sendJson(res, refused.status, fail(refused.status === 401 ? 'unauthorized' : 'forbidden', refused.message));
      if (!isApi) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, fail('bad-request', 'Only GET for files.'), { allow: 'GET, HEAD' });
        serveStatic(url.pathname, res).catch((err: unknown) => {
          logProblem(`GET ${url.pathname}`, describeError(err));
          sendJson(res, 500, fail('internal', 'The file could not be served.'));
        });
        return;
      }
      if (req.method !== 'POST') return sendJson(res, 405, fail('bad-request', 'API calls are POST /api/<call> with a JSON body.'), { allow: 'POST' });
      callOverHttp(req, res, url);
    } catch (err) {
      logProblem(`${req.method ?? '?'} ${req.url ?? ''}`, describeError(err));
      sendJson(res, 500, fail('internal', 'The server failed on this request.'));
    }
  });
  server.maxConnections = limits.maxConnections;
  // Unparseable HTTP (garbage, oversized headers) or a client too slow: answer and close that
  // connection only.
  server.on('clientError', (err, socket) => {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    logProblem('connection', `${http.STATUS_CODES[status]} (${code || describeError(err)})`);
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const refused = url.pathname === '/ws' ? refusal(req, true, url.searchParams.get('token')) : { status: 404, message: 'Not found.' };
      if (refused) {
        socket.end(`HTTP/1.1 ${refused.status} ${http.STATUS_CODES[refused.status] ?? 'Refused'}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${refused.message}\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (err) {
      logProblem('upgrade', describeError(err));
      socket.destroy();
    }
  });

  wss.on('connection', (ws: WebSocket) => {
    // Never throws: a reply that cannot be sent is this socket's problem, not the event stream's.
    const send = (value: unknown) => {
      try {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) {
          logProblem('socket', 'closed: the client is not reading its replies');
          ws.terminate();
          return;
        }
        ws.send(replyText(value));
      } catch (err) {
        logProblem('socket', `reply not sent: ${describeError(err)}`);
      }
    };
    const unsubscribe = api.onTrainingEvent((data) => send({ type: 'event', name: 'onTrainingEvent', data }));
    ws.on('message', (raw, isBinary) => {
      void (async () => {
        if (isBinary) return send({ type: 'result', id: null, result: fail('bad-request', 'Binary messages are not understood; send JSON text.') });
        const parsed = parseCallMessage(raw.toString());
        if ('error' in parsed) return send({ type: 'result', id: parsed.id, result: parsed.error });
        send({ type: 'result', id: parsed.msg.id, result: await dispatch(api, parsed.msg.call, parsed.msg.args) });
      })().catch((err: unknown) => {
        logProblem('socket', describeError(err));
        send({ type: 'result', id: null, result: fail('internal', `The server failed on this message: ${describeError(err)}`) });
      });
    });
    ws.on('close', unsubscribe);
    // An oversized frame or protocol error closes this socket only; the server keeps serving.
    ws.on('error', (err) => {
      logProblem('socket', `closed: ${describeError(err)}`);
      ws.terminate();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  // In the fragment, the token never travels in a request (static files, logs, Referer); the page
  // takes it from there and drops it from the address bar.
  const pageUrl = `${url}/#token=${token}`;
  log(`ConvStudio browser mode: ${pageUrl}`);

  return {
    url,
    port,
    token,
    pageUrl,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log('usage: tsx main/server/server.ts [--port N (0 = any; env CONVSTUDIO_PORT)] [--runs DIR] [--data DIR (the autosave; default the runs folder)] [--renderer DIR]');
    return;
  }
  const portText = argValue(argv, '--port') ?? process.env.CONVSTUDIO_PORT ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`convstudio serve: --port must be 0..65535 (got "${portText}").`);
    process.exitCode = 2;
    return;
  }
  const runsRoot = path.resolve(argValue(argv, '--runs') ?? process.env.CONVSTUDIO_RUNS ?? path.join(process.cwd(), 'runs'));
  const dataText = argValue(argv, '--data') ?? process.env.CONVSTUDIO_DATA;
  const dataDir = dataText ? path.resolve(dataText) : undefined;
  const { jobs, listBackends, doctor, engine, estimator, workerRuns } = await loadEngine(runsRoot, dataDir);
  const server = await startServer({ port, runsRoot, dataDir, rendererDir: argValue(argv, '--renderer'), jobs, listBackends, doctor, engine, estimator, workerRuns });
  const shutdown = () => {
    jobs?.dispose?.();
    workerRuns?.dispose();
    engine?.dispose?.();
    estimator?.dispose?.();
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/**
 * The training engine is loaded lazily (tfjs is heavy) and is optional: if it fails to load, the
 * page still edits and validates graphs and says training is unavailable.
 */
async function loadEngine(runsRoot: string, dataDir?: string): Promise<{
  jobs?: NodeApiOptions['jobs'] & { dispose?(): void };
  listBackends?: NodeApiOptions['listBackends'];
  doctor?: NodeApiOptions['doctor'];
  engine?: NodeApiOptions['engine'] & { dispose?(): void };
  workerRuns?: NodeApiOptions['workerRuns'] & { dispose(): void };
  estimator?: NodeApiOptions['estimator'] & { dispose?(): void };
}> {
  const out: Awaited<ReturnType<typeof loadEngine>> = {};
  try {
    const { createJobManager } = await import('../engine/jobs');
    out.jobs = createJobManager({ runsRoot });
  } catch (e) {
    console.warn(`convstudio serve: training unavailable (${e instanceof Error ? e.message : String(e)}).`);
  }
  try {
    // Runs the page's Web Worker trains on the browser's WebGPU: their folders are written here.
    const { createWorkerRuns } = await import('../engine/worker-runs');
    out.workerRuns = createWorkerRuns({ runsRoot });
  } catch (e) {
    console.warn(`convstudio serve: training in the page unavailable (${e instanceof Error ? e.message : String(e)}).`);
  }
  try {
    // The Kernel lab's engine process starts on its first request, not with the server.
    const { createEngineService } = await import('../engine/service/client');
    out.engine = createEngineService();
  } catch (e) {
    console.warn(`convstudio serve: the Kernel lab is unavailable (${e instanceof Error ? e.message : String(e)}).`);
  }
  try {
    // Step measurements are cached beside the runs: browser mode's user data is its runs folder.
    const { createEngineService } = await import('../engine/service/client');
    const { createEstimator, enginesPerBackend } = await import('../engine/estimate/estimator');
    const engines = enginesPerBackend(out.engine, (backend) => createEngineService({ backend: backend as BackendChoice }));
    out.estimator = Object.assign(createEstimator({ file: path.join(dataDir ?? runsRoot, 'estimates.json'), engineFor: engines.engineFor }), { dispose: engines.dispose });
  } catch (e) {
    console.warn(`convstudio serve: the time estimate is unavailable (${e instanceof Error ? e.message : String(e)}).`);
  }
  out.listBackends = async () => (await import('../engine/backends/index')).listBackends();
  out.doctor = async () => (await import('../engine/backends/doctor/index')).runDoctor();
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`convstudio serve: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
