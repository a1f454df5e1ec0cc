/**
 * Browser mode's Api transport: the calls of the Electron preload's Api, carried over one
 * WebSocket to main/server/server.ts. The server requires the per-launch token it printed in the page's URL; the page
 * keeps it for reloads in sessionStorage and drops it from the address bar.
 */

import { API_CALLS, fail, type Api, type ApiCall, type Result } from '../../shared/api';
import type { TrainingEvent } from '../../shared/training';

const TOKEN_KEY = 'convstudio.token';

/**
 * The server prints the token in the URL's fragment (`#token=`), which no request, log or Referer
 * ever carries; `?token=` is still read for links made before. Either is dropped from the address
 * bar at once.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const fromUrl = fragment.get('token') ?? url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    fragment.delete('token');
    url.hash = fragment.toString();
    window.history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

type Pending = { resolve: (r: Result<unknown>) => void };

export function socketApi(token: string | null): Api {
  const pending = new Map<number, Pending>();
  const listeners = new Set<(e: TrainingEvent) => void>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opened: Promise<WebSocket> | null = null;
  let retryMs = 250;

  function connect(): Promise<WebSocket> {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const proto = window.location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${proto}://${window.location.host}/ws?token=${encodeURIComponent(token ?? '')}`);
      ws.onopen = () => {
        socket = ws;
        retryMs = 250;
        resolve(ws);
      };
      ws.onmessage = (ev) => onMessage(String(ev.data));
      ws.onclose = () => {
        const wasOpen = socket === ws;
        socket = null;
        opened = null;
        for (const [id, p] of pending) {
          p.resolve(fail('disconnected', 'Lost the connection to the ConvStudio server. Is `npm run serve` still running?'));
          pending.delete(id);
        }
        if (!wasOpen) reject(new Error('Could not connect to the ConvStudio server (wrong or missing token? open the URL it printed).'));
        // Keep the event stream alive across server restarts while someone listens.
        if (listeners.size > 0) {
          setTimeout(() => void connect().catch(() => {}), retryMs);
          retryMs = Math.min(retryMs * 2, 5000);
        }
      };
    });
    return opened;
  }

  function onMessage(text: string) {
    let msg: { type?: string; id?: number; result?: Result<unknown>; name?: string; data?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.type === 'event' && msg.name === 'onTrainingEvent') {
      for (const l of listeners) l(msg.data as TrainingEvent);
    } else if (msg.type === 'result' && typeof msg.id === 'number') {
      pending.get(msg.id)?.resolve(msg.result ?? fail('bad-reply', 'The server sent an empty reply.'));
      pending.delete(msg.id);
    }
  }

  async function call(name: ApiCall, args: unknown[]): Promise<Result<unknown>> {
    let ws: WebSocket;
    try {
      ws = await connect();
    } catch (e) {
      return fail('disconnected', e instanceof Error ? e.message : String(e));
    }
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, { resolve });
      ws.send(JSON.stringify({ type: 'call', id, call: name, args }));
    });
  }

  // Only the arguments given are sent, so the server's arity check sees what the page passed.
  const api = Object.fromEntries(API_CALLS.map((name) => [name, (...args: unknown[]) => call(name, args)])) as unknown as Api;
  api.onTrainingEvent = (listener) => {
    listeners.add(listener);
    void connect().catch(() => {});
    return () => listeners.delete(listener);
  };
  return api;
}
