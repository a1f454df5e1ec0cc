/**
 * The arguments `convstudio eval` and `convstudio predict` share: a run folder, --epoch,
 * --backend and --json, checked before anything loads, each mistake a sentence (exit code 2).
 */

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { BACKENDS, type BackendChoice } from '../../shared/training';
import { CONFIG_JSON, GRAPH_JSON } from '../runs/run-folder';
import { UsageError } from './summary';

export interface InsightArgs {
  runDir: string;
  rest: string[];
  epoch: number | null;
  backend: BackendChoice;
  json: boolean;
  options: Record<string, string>;
}

export function parseInsightArgs(argv: string[], command: string, extraOptions: string[]): InsightArgs {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (name === 'json') {
      json = true;
      continue;
    }
    if (!['epoch', 'backend', ...extraOptions].includes(name)) throw new UsageError(`convstudio ${command}: unknown option "${arg}".`, true);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`convstudio ${command}: --${name} needs a value.`, true);
    options[name] = value;
  }
  const [runDir, ...rest] = positional;
  if (!runDir) throw new UsageError(`convstudio ${command}: name a run folder (one convstudio train wrote: it holds ${CONFIG_JSON} and ${GRAPH_JSON}).`, true);
  if (!existsSync(runDir)) throw new UsageError(`convstudio ${command}: ${runDir} does not exist.`);
  if (!statSync(runDir).isDirectory() || !existsSync(path.join(runDir, CONFIG_JSON)) || !existsSync(path.join(runDir, GRAPH_JSON))) {
    throw new UsageError(`convstudio ${command}: ${runDir} is not a run folder (it has no ${CONFIG_JSON} and ${GRAPH_JSON}). Name a folder convstudio train created, e.g. runs/<run id>.`);
  }
  let epoch: number | null = null;
  if (options.epoch !== undefined) {
    if (!/^\d+$/.test(options.epoch) || !Number.isSafeInteger(Number(options.epoch))) throw new UsageError(`convstudio ${command}: --epoch must be a whole number, 0 or more (got "${options.epoch}").`);
    epoch = Number(options.epoch);
  }
  const backend = (options.backend ?? 'auto') as BackendChoice;
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`convstudio ${command}: --backend must be one of ${BACKENDS.join(', ')} (got "${backend}").`);
  return { runDir: path.resolve(runDir), rest, epoch, backend, json, options };
}
