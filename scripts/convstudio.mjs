#!/usr/bin/env node
// The `convstudio` command (package.json "bin"): runs the CLI from sources with tsx's loader, so
// `npx convstudio summary lenet` works in a checkout without a build step.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const r = spawnSync(process.execPath, ['--import', loader, path.join(root, 'main/cli/index.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
