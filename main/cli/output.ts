/**
 * Everything the CLI prints goes through here. `guardTerminal` makes the process's stdout and
 * stderr escape control characters (shared/format.ts terminalSafe) in whatever is written, so a
 * node id, type, graph name, file path or error message cannot clear the screen, set the window
 * title or forge lines, whichever command or library printed it. The escape is JSON's own, so
 * `--json` lines stay valid and mean the same strings. The progress bar's own cursor moves are
 * the one deliberate exception: `writeControl` writes them past the guard.
 */

import { terminalSafe } from '../../shared/format';

type Write = typeof process.stdout.write;

const raw = new Map<NodeJS.WriteStream, Write>();

function guard(stream: NodeJS.WriteStream): void {
  if (raw.has(stream)) return;
  const original = stream.write.bind(stream) as Write;
  raw.set(stream, original);
  const guarded = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
    return (original as (c: string, ...r: unknown[]) => boolean)(terminalSafe(text), ...rest);
  };
  stream.write = guarded as Write;
}

/** From here on, nothing written to stdout or stderr can carry a control character. */
export function guardTerminal(): void {
  guard(process.stdout);
  guard(process.stderr);
}

/**
 * Writes `control` (cursor moves: "\r\x1b[K") then `text` made safe, to a stream, bypassing the
 * guard for `control` only.
 */
export function writeControl(stream: NodeJS.WriteStream, control: string, text = ''): void {
  const write = raw.get(stream) ?? (stream.write.bind(stream) as Write);
  (write as (c: string) => boolean)(control + terminalSafe(text, { line: true }));
}
