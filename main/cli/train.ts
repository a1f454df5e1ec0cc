/**
 * `convstudio train <template|file.json> [options]`: trains in a separate process through the
 * same job manager the app uses, and prints d2l-style progress (or JSON lines with --json).
 * Exit codes: 0 done, 1 failed (NaN, data, crash), 2 usage or bad graph, 130 stopped.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseGraph } from '../../shared/graph/parse';
import { analyzeGraph } from '../../shared/shapes/index';
import { TEMPLATES, getTemplate } from '../../shared/templates/index';
import type { GraphDoc } from '../../shared/graph/types';
import { DEFAULT_TRAIN_CONFIG, type BackendChoice, type TrainConfig, type TrainingEvent } from '../../shared/training';
import { createJobManager, JobError } from '../engine/jobs';
import { GraphError } from '../engine/errors';
import { ConfigError, normalizeConfig, checkClassifierOutput, checkTrainable, imageSizeFor } from '../engine/config';
import { locateData, missingDataMessage, userDataDir } from '../data/locate';
import { downloadFashionMnist } from '../data/download';

const HELP = `usage: convstudio train <template|file.json> [options]
       convstudio train --resume RUN_DIR [--epochs N] [--json]

Trains a template (${TEMPLATES.map((t) => t.id).join(', ')}) or a convstudio.graph file on Fashion-MNIST.

options:
  --epochs N         passes over the training set (default ${DEFAULT_TRAIN_CONFIG.epochs})
  --batch-size N     samples per SGD step (default ${DEFAULT_TRAIN_CONFIG.batchSize})
  --lr X             learning rate (default ${DEFAULT_TRAIN_CONFIG.lr})
  --resize S         resize images to S×S like torchvision's Resize (default: the graph's Input size)
  --backend B        auto, tensorflow, native, wasm or cpu (default auto)
  --data DIR         folder with the four Fashion-MNIST files (default: search, then download)
  --limit N          train on N samples (a seeded random subset)
  --val-limit N      validate on the first N test samples
  --seed N           seeds the initial weights and the shuffling (default 0)
  --out DIR          where run folders go (default ./runs)
  --resume RUN_DIR   continue a run from its last checkpoint (--epochs N sets a new total)
  --json             one JSON object per line: start, epoch, done, error
Exit codes: 0 done, 1 failed, 2 usage or bad graph, 130 stopped (Ctrl-C stops gracefully; twice kills).`;

class UsageError extends Error {}

interface Args {
  target: string | null;
  config: Partial<TrainConfig>;
  out: string;
  resume: string | null;
  json: boolean;
  help: boolean;
}

const FLAGS: Record<string, { key: keyof TrainConfig | 'out' | 'resume'; kind: 'int' | 'float' | 'string' }> = {
  '--epochs': { key: 'epochs', kind: 'int' },
  '--batch-size': { key: 'batchSize', kind: 'int' },
  '--lr': { key: 'lr', kind: 'float' },
  '--resize': { key: 'resize', kind: 'int' },
  '--backend': { key: 'backend', kind: 'string' },
  '--data': { key: 'dataDir', kind: 'string' },
  '--limit': { key: 'limit', kind: 'int' },
  '--val-limit': { key: 'valLimit', kind: 'int' },
  '--seed': { key: 'seed', kind: 'int' },
  '--out': { key: 'out', kind: 'string' },
  '--resume': { key: 'resume', kind: 'string' },
};

export function parseArgs(argv: string[]): Args {
  const a: Args = { target: null, config: {}, out: 'runs', resume: null, json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--json') { a.json = true; continue; }
    if (arg === '--help' || arg === '-h') { a.help = true; continue; }
    const flag = FLAGS[arg];
    if (!flag) {
      if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
      if (a.target) throw new UsageError(`one graph at a time (got "${a.target}" and "${arg}")`);
      a.target = arg;
      continue;
    }
    value ??= argv[++i];
    if (value === undefined || (value.startsWith('--') && FLAGS[value])) throw new UsageError(`${arg} needs a value`);
    let parsed: string | number = value;
    if (flag.kind !== 'string') {
      parsed = Number(value);
      if (value.trim() === '' || !Number.isFinite(parsed) || (flag.kind === 'int' && !Number.isInteger(parsed))) {
        throw new UsageError(`${arg} needs ${flag.kind === 'int' ? 'a whole number' : 'a number'}, not "${value}"`);
      }
    }
    if (flag.key === 'out') a.out = String(parsed);
    else if (flag.key === 'resume') a.resume = String(parsed);
    else (a.config as Record<string, unknown>)[flag.key] = flag.key === 'backend' ? (parsed as BackendChoice) : parsed;
  }
  return a;
}

function loadGraph(target: string): GraphDoc {
  const t = getTemplate(target);
  if (t) return t;
  if (!existsSync(target)) {
    throw new UsageError(`"${target}" is neither a template (${TEMPLATES.map((x) => x.id).join(', ')}) nor an existing file`);
  }
  const parsed = parseGraph(readFileSync(target, 'utf8'));
  if (!parsed.doc) throw new GraphError(parsed.diagnostics.filter((d) => d.severity === 'error'), `${target} is not a valid convstudio.graph file`);
  return parsed.doc;
}

const fmtRate = (r: number): string => (r >= 100 ? String(Math.round(r)) : r.toPrecision(2));

const fmtTime = (s: number): string => {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
};

class Printer {
  private epochs = 0;
  private lastBar = 0;
  private barShown = false;
  constructor(private readonly json: boolean, private readonly tty: boolean) {}

  private clearBar(): void {
    if (this.barShown) process.stderr.write('\r\x1b[K');
    this.barShown = false;
  }

  event(e: TrainingEvent): void {
    if (this.json) {
      if (e.event === 'start' || e.event === 'epoch' || e.event === 'done' || e.event === 'error') process.stdout.write(`${JSON.stringify(e)}\n`);
      return;
    }
    switch (e.event) {
      case 'start':
        this.epochs = e.epochs;
        console.log(`training on ${e.backend} — ${e.device}; ${e.trainSamples} training / ${e.valSamples} validation samples, ${e.batchesPerEpoch} batches per epoch`);
        if (e.note) console.log(`note: ${e.note}`);
        console.log(`run folder: ${e.runDir}`);
        break;
      case 'batch': {
        if (!this.tty) break;
        const now = Date.now();
        if (now - this.lastBar < 100 && e.batch !== e.batchesPerEpoch) break;
        this.lastBar = now;
        const width = 30;
        const done = Math.round((e.batch / e.batchesPerEpoch) * width);
        process.stderr.write(`\r\x1b[Kepoch ${e.epoch}/${this.epochs} [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${e.batch}/${e.batchesPerEpoch} loss ${e.loss.toFixed(4)} ${fmtRate(e.samples_per_s)} samples/s eta ${fmtTime(e.eta_s)}`);
        this.barShown = true;
        break;
      }
      case 'epoch':
        this.clearBar();
        console.log(`epoch ${e.epoch}/${this.epochs}  train_loss ${e.train_loss.toFixed(4)}  val_loss ${e.val_loss.toFixed(4)}  val_acc ${e.val_acc.toFixed(4)}  ${fmtRate(e.samples_per_s)} samples/s  ${e.seconds.toFixed(1)} s  eta ${fmtTime(e.eta_s)}`);
        break;
      case 'done':
        this.clearBar();
        console.log(e.stopped
          ? `stopped after ${e.epochs} complete epoch(s); continue with --resume`
          : `done: ${e.epochs} epoch${e.epochs === 1 ? '' : 's'} in ${fmtTime(e.seconds)}${e.val_acc != null ? `, val_acc ${e.val_acc.toFixed(4)}` : ''}`);
        break;
      case 'error':
        this.clearBar();
        console.error(`error: ${e.message}`);
        break;
      default:
        break;
    }
  }

  message(text: string, isError = false): void {
    if (this.json) {
      if (isError) process.stdout.write(`${JSON.stringify({ event: 'error', message: text })}\n`);
      else process.stderr.write(`${text}\n`);
    } else if (isError) console.error(`error: ${text}`);
    else console.error(text);
  }
}

/** Makes sure the data exists before a process is spawned: searching, then downloading with a progress bar. */
async function ensureData(dataDir: string | null, p: Printer, tty: boolean): Promise<string> {
  const found = locateData(dataDir);
  if (found.dir) return found.dir;
  if (dataDir) throw new DataMissing(missingDataMessage(found.searched));
  const target = userDataDir();
  p.message(`Fashion-MNIST not found locally; downloading it into ${target}`);
  try {
    await downloadFashionMnist({
      dir: target,
      onProgress: (pr) => {
        if (!tty) return;
        const pct = pr.total ? Math.floor((pr.received / pr.total) * 100) : null;
        process.stderr.write(`\r\x1b[K${pr.file} (${pr.index + 1}/${pr.count}) ${pct !== null ? `${pct}%` : `${(pr.received / 1e6).toFixed(1)} MB`}`);
      },
    });
    if (tty) process.stderr.write('\r\x1b[K');
    return target;
  } catch (err) {
    if (tty) process.stderr.write('\r\x1b[K');
    throw new DataMissing(missingDataMessage(found.searched, `Downloading them failed: ${(err as Error).message}`));
  }
}

class DataMissing extends Error {}

export async function run(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    console.error(`convstudio train: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const p = new Printer(args.json, Boolean(process.stderr.isTTY) && !args.json);
  if (!args.target && !args.resume) {
    console.error(`convstudio train: name a template or a graph file\n\n${HELP}`);
    return 2;
  }
  if (args.target && args.resume) {
    console.error('convstudio train: give either a graph or --resume RUN_DIR, not both');
    return 2;
  }

  const jobs = createJobManager({ runsRoot: path.resolve(args.out) });
  try {
    let started: { runId: string; runDir: string };
    if (args.resume) {
      const { epochs, ...others } = args.config;
      if (Object.keys(others).length) p.message('note: --resume continues with the run\'s own settings; options other than --epochs are ignored');
      started = await jobs.resume(args.resume, epochs !== undefined ? { epochs } : undefined);
    } else {
      const graph = loadGraph(args.target!);
      const analysis = analyzeGraph(graph);
      if (!analysis.ok) throw new GraphError(analysis.diagnostics.filter((d) => d.severity === 'error'));
      const config = normalizeConfig(args.config);
      checkClassifierOutput(analysis);
      checkTrainable(graph);
      imageSizeFor(analysis, config);
      config.dataDir = await ensureData(config.dataDir, p, Boolean(process.stderr.isTTY) && !args.json);
      started = await jobs.start({ graph, config });
    }
    return await follow(jobs, started.runId, p);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`convstudio train: ${err.message}`);
      return 2;
    }
    if (err instanceof GraphError || err instanceof ConfigError || (err instanceof JobError && err.code === 'bad-request')) {
      p.message(err.message, true);
      return 2;
    }
    if (err instanceof JobError && err.code === 'not-found') {
      p.message(err.message, true);
      return 2;
    }
    if (err instanceof DataMissing) {
      p.message(err.message, true);
      return 1;
    }
    throw err;
  } finally {
    jobs.dispose();
  }
}

function follow(jobs: ReturnType<typeof createJobManager>, runId: string, p: Printer): Promise<number> {
  return new Promise((resolve) => {
    let code = 1;
    let interrupts = 0;
    const onSigint = () => {
      interrupts += 1;
      if (interrupts === 1) {
        p.message('\nstopping after this batch and saving a checkpoint (Ctrl-C again to kill)');
        jobs.stop(runId, 'graceful');
      } else {
        jobs.stop(runId, 'kill');
      }
    };
    process.on('SIGINT', onSigint);
    const off = jobs.onEvent((e) => {
      if (e.runId !== runId) return;
      if (e.event === 'exit') {
        off();
        process.off('SIGINT', onSigint);
        if (interrupts > 1) code = 130;
        resolve(code);
        return;
      }
      p.event(e);
      if (e.event === 'done') code = e.stopped ? 130 : 0;
      if (e.event === 'error') code = 1;
    });
  });
}
