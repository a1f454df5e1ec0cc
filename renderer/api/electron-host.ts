import type { Api } from '../../shared/api';

/** The preload's contextBridge object, when the page runs inside the Electron shell. */
export function electronApi(): Api | null {
  const bridged = (window as unknown as { convstudio?: Api }).convstudio;
  return bridged && typeof bridged.info === 'function' ? bridged : null;
}
