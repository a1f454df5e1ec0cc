/**
 * Asks the engine (through the Api) for what a part of the Insight view shows, and keeps the
 * answer with the request it answers: a reply to an older request never shows as the answer to
 * a newer one, and while a new answer is on its way the last one stays on screen, marked stale.
 * Recent answers are kept by request, so going back to a part or an epoch is instant; a failed
 * answer is not kept (the next look asks again).
 */

import { useEffect, useState } from 'react';
import type { Result } from '../../shared/api';

export interface Answer<T> {
  result: Result<T> | null;
  /** The answer on screen is for an older request. */
  stale: boolean;
  /** A request is on its way. */
  loading: boolean;
}

const KEEP = 24;
const cache = new Map<string, Result<unknown>>();

function remember(key: string, r: Result<unknown>): void {
  if (!r.ok) return;
  cache.delete(key);
  cache.set(key, r);
  while (cache.size > KEEP) cache.delete(cache.keys().next().value!);
}

/** Forgets what was kept (a run trained on, or a test starting afresh). */
export function forgetAnswers(): void {
  cache.clear();
}

/**
 * `name` keeps answers of different calls apart (two calls may take the same request); a null
 * request asks nothing.
 */
export function useAnswer<R, T>(name: string, request: R | null, call: (r: R) => Promise<Result<T>>): Answer<T> {
  const key = request === null ? null : `${name} ${JSON.stringify(request)}`;
  const [answer, setAnswer] = useState<{ key: string; result: Result<T> } | null>(null);
  const kept = key === null ? undefined : (cache.get(key) as Result<T> | undefined);
  useEffect(() => {
    if (key === null || cache.has(key)) return;
    let live = true;
    // The key is the request: a new object with the same content asks nothing new.
    void call(JSON.parse(key.slice(name.length + 1)) as R).then(
      (result) => {
        remember(key, result);
        if (live) setAnswer({ key, result });
      },
      (e: unknown) => {
        if (live) setAnswer({ key, result: { ok: false, error: { code: 'transport', message: e instanceof Error ? e.message : String(e) } } });
      },
    );
    return () => {
      live = false;
    };
  }, [key, name, call]);
  if (key === null) return { result: null, stale: false, loading: false };
  if (kept) return { result: kept, stale: false, loading: false };
  const fresh = answer?.key === key;
  return { result: answer?.result ?? null, stale: !fresh && answer !== null, loading: !fresh };
}
