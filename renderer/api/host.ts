/** The Api host chosen at start-up (main.tsx); modules ask for it instead of creating one. */

import type { Api } from '../../shared/api';
import type { HostKind } from './index';

let current: { kind: HostKind; api: Api } | null = null;

export function setHost(h: { kind: HostKind; api: Api }): void {
  current = h;
}

export function host(): { kind: HostKind; api: Api } {
  if (!current) throw new Error('The Api host is chosen in main.tsx before the app renders.');
  return current;
}
