// Runs the desktop training entry (main/train-process-entry.ts) the way an Electron utility
// process would present itself: no process.send, a `process.parentPort` whose messages arrive as
// `{ data }` events. This stand-in port speaks JSON lines over stdin/stdout so the test can
// drive it from a plain Node parent.
import { EventEmitter } from 'node:events';

const port = new EventEmitter() as EventEmitter & { postMessage(m: unknown): void };
port.postMessage = (m: unknown) => {
  process.stdout.write(`${JSON.stringify({ fromChild: m })}\n`);
};
Object.defineProperty(process, 'parentPort', { value: port, enumerable: true });

let buffered = '';
process.stdin.on('data', (chunk: Buffer) => {
  buffered += chunk.toString();
  let nl: number;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (line.trim()) port.emit('message', { data: JSON.parse(line) });
  }
});

await import('../../../../main/shell/train-process-entry');
