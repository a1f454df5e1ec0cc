/**
 * Graph files handed to the app by the OS: on the command line (double-click on Linux/Windows,
 * `convstudio-app file.convstudio.json`, a second instance's argv) — macOS uses the open-file
 * event instead.
 */

import path from 'node:path';

/** The .json paths among argv's arguments, resolved against the caller's working directory. */
export function graphFilesInArgv(argv: readonly string[], cwd: string): string[] {
  return argv
    .slice(1)
    .filter((a) => !a.startsWith('-') && /\.json$/i.test(a))
    .map((a) => path.resolve(cwd, a));
}
