/** The start check (./start-check.ts) for the canvas's graph and the panel's config, recomputed only when either changes. */

import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore, type Store } from '../store/index';
import { startCheck, type StartCheck } from './start-check';

const selectInputs = (s: Store) => ({ analysis: s.analysis, config: s.config, basis: s.estimateBasis });

export function useStartCheck(): StartCheck {
  const { analysis, config, basis } = useStore(useShallow(selectInputs));
  return useMemo(() => startCheck(analysis, config, basis), [analysis, config, basis]);
}
