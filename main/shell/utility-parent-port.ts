/**
 * Imported first by the bundled training entry: inside an Electron utility process the parent
 * talks through `process.parentPort` (MessagePortMain, payload in `event.data`) instead of
 * `process.send` / `process.on('message')`. Mapping one onto the other lets the very same
 * training entry run under child_process.fork (CLI, browser mode) and utilityProcess.fork.
 */

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;

if (port && typeof process.send !== 'function') {
  (process as { send?: NodeJS.Process['send'] }).send = ((message: unknown, ...rest: unknown[]) => {
    port.postMessage(message);
    const cb = rest.find((r) => typeof r === 'function') as ((err: Error | null) => void) | undefined;
    cb?.(null);
    return true;
  }) as NonNullable<NodeJS.Process['send']>;
  // The engine may check `process.connected` before sending.
  Object.defineProperty(process, 'connected', { value: true, configurable: true, writable: true });
  port.on('message', (e) => {
    process.emit('message', e.data as never, undefined as never);
  });
}

export {};
