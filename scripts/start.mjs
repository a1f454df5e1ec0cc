// `npm start`: build, then launch the desktop app. When Electron's binary is missing, run
// Electron's own installer once (node_modules/electron/install.js, which the install left alone:
// package.json's allowScripts keeps its download out of `npm ci`, so an install without internet
// still succeeds). Where there is internet that fetches the real app; where there is none it fails
// fast (and is bounded by a timeout), and ConvStudio starts in browser mode instead
// (main/server/server.ts on 127.0.0.1) with a one-line message, opening the default browser if
// there is one. ELECTRON_SKIP_BINARY_DOWNLOAD (CI sets it) skips the installer.
//
//   node scripts/start.mjs [--no-build] [--no-open] [-- args for Electron / the server]
//
// --no-build reuses out/ from the last build; --no-open (or BROWSER=none) keeps the browser closed.
// CONVSTUDIO_ELECTRON_INSTALL_TIMEOUT (seconds, default 180) bounds the installer.
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

/** The one line said before browser mode starts, with why there is no desktop app. */
export const fallbackMessage = (why) => `Electron's binary is not installed (${why}); starting ConvStudio in browser mode instead.`;
export const SKIPPED = 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
export const INSTALLING = "Electron's binary is missing: fetching it once with Electron's installer (node node_modules/electron/install.js)...";

const INSTALL_TIMEOUT_S = Number(process.env.CONVSTUDIO_ELECTRON_INSTALL_TIMEOUT) > 0 ? Number(process.env.CONVSTUDIO_ELECTRON_INSTALL_TIMEOUT) : 180;

/** Path of Electron's executable, or null when the npm package came without it. */
function electronBinary() {
  const require = createRequire(path.join(root, 'package.json'));
  try {
    // The electron package exports the binary's path, or throws when its download was skipped;
    // read afresh, since the installer may have run since the last look.
    delete require.cache[require.resolve('electron')];
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** Runs Electron's installer, bounded; null when it succeeded, else why not, in a few words. */
function installElectron() {
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installer)) return Promise.resolve('the electron package is missing: run npm ci');
  console.log(INSTALLING);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [installer], { cwd: path.dirname(installer), stdio: ['ignore', 'pipe', 'pipe'], timeout: INSTALL_TIMEOUT_S * 1000 });
    let err = '';
    child.stdout.on('data', (d) => process.stdout.write(d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve(`its installer could not run: ${e.message}`));
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve(null);
      if (signal) return resolve(`its download took over ${INSTALL_TIMEOUT_S} s and was stopped`);
      // The installer prints a stack; its first line says what went wrong (no internet, say).
      const first = err.split('\n').map((l) => l.trim()).find((l) => l) ?? `exit code ${code}`;
      resolve(`the download failed: ${first.length > 160 ? `${first.slice(0, 157)}...` : first}`);
    });
  });
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
  let binary = electronBinary();
  if (binary) return startElectron(binary);
  let why = SKIPPED;
  if (!process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    why = (await installElectron()) ?? 'its installer finished, but the binary is still not where the electron package says';
    binary = electronBinary();
    if (binary) return startElectron(binary);
  }
  console.log(fallbackMessage(why));
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
