// `npm start`: build, then launch the desktop app. When Electron's binary is missing (installed
// with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or offline), say so in one line and run the same app in
// browser mode instead (main/server/server.ts on 127.0.0.1), opening the default browser if there is one.
//
//   node scripts/start.mjs [--no-build] [--no-open] [-- args for Electron / the server]
//
// --no-build reuses out/ from the last build; --no-open (or BROWSER=none) keeps the browser closed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
const passThrough = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
const noBuild = own.includes('--no-build');
const noOpen = own.includes('--no-open') || process.env.BROWSER === 'none';

export const FALLBACK_MESSAGE = "Electron's binary is not installed (offline install?); starting ConvStudio in browser mode instead.";

/** Path of Electron's executable, or null when the npm package came without it. */
function electronBinary() {
  try {
    // The electron package exports the binary's path, or throws when its download was skipped.
    const p = createRequire(path.join(root, 'package.json'))('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

async function build(withMain) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
  if (withMain) {
    const { buildMain } = await import('./build-main.mjs');
    await buildMain(root);
  }
}

/** Run a child to completion, passing Ctrl-C / termination on to it; resolves with its exit code. */
function supervise(child) {
  const forward = (sig) => () => child.kill(sig);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`convstudio: could not start ${child.spawnfile}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}

function openBrowser(url) {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    // No browser (a server, a container): the URL is printed above; nothing else to do.
    child.on('error', () => {});
    child.unref();
  } catch {
    // Same: opening a browser is a convenience.
  }
}

async function startBrowserMode() {
  if (!noBuild) await build(false);
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'main/server/server.ts'), ...passThrough], {
    cwd: root,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  let opened = false;
  let buffered = '';
  server.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (opened || noOpen) return;
    buffered += chunk.toString();
    const m = /browser mode: (\S+)/.exec(buffered);
    if (m) {
      opened = true;
      openBrowser(m[1]);
    }
  });
  return supervise(server);
}

async function startElectron(binary) {
  if (!noBuild) await build(true);
  return supervise(spawn(binary, [root, ...passThrough], { cwd: root, stdio: 'inherit' }));
}

async function main() {
  const binary = electronBinary();
  if (binary) return startElectron(binary);
  console.log(FALLBACK_MESSAGE);
  return startBrowserMode();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`convstudio: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
