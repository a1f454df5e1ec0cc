import { browserHost } from './browser-host';
import { electronHost } from './electron-host';
import type { Host } from './host';

/** Like Netron's hosts: the same UI runs inside the Electron shell or as a page of browser mode. */
export function pickHost(): Host {
  return electronHost() ?? browserHost();
}
