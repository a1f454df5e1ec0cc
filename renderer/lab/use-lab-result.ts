/**
 * Asks the engine (through the Api) for the result of the request on screen, a moment after the
 * student stops typing, and keeps the answer with the request it answers: a reply to an older
 * request never shows as the result of a newer one. While a new answer is on its way the last
 * one stays, marked stale, so the grids do not flicker.
 */

import { useEffect, useState } from 'react';
import type { Result } from '../../shared/api';

export interface LabAnswer<T> {
  /** The latest answer, for the request it answered. */
  result: Result<T> | null;
  /** The answer is for an older request (a newer one is on its way). */
  stale: boolean;
  /** Milliseconds the round trip took. */
  ms: number | null;
  /** Whether there is a request at all (none while the inputs do not pass the check). */
  requested: boolean;
}

const DEBOUNCE_MS = 120;

export function useLabResult<R, T>(request: R | null, call: (r: R) => Promise<Result<T>>): LabAnswer<T> {
  const key = request === null ? null : JSON.stringify(request);
  const [answer, setAnswer] = useState<{ key: string; result: Result<T>; ms: number } | null>(null);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    const timer = setTimeout(() => {
      const t0 = performance.now();
      void call(JSON.parse(key) as R).then((result) => {
        if (live) setAnswer({ key, result, ms: Math.round(performance.now() - t0) });
      });
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, call]);
  if (key === null) return { result: null, stale: false, ms: null, requested: false };
  return { result: answer?.result ?? null, stale: answer?.key !== key, ms: answer?.ms ?? null, requested: true };
}
