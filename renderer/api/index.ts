import type { Api } from '../../shared/api';
import { electronApi } from './electron-host';
import { socketApi, takeToken } from './socket-host';

export type HostKind = 'electron' | 'browser';

/** Like Netron's hosts: the same UI runs on the Electron preload or on browser mode's socket. */
export function pickHost(): { kind: HostKind; api: Api } {
  const electron = electronApi();
  if (electron) return { kind: 'electron', api: electron };
  return { kind: 'browser', api: socketApi(takeToken()) };
}
