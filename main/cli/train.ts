/**
 * `convstudio train <template|file.json> [options]`: trains in a separate process through the
 * same job manager the app uses, and prints d2l-style progress (or JSON lines with --json).
 * Exit codes: 0 done, 1 failed (divergence, data, a run folder that cannot be written, a run
 * already being trained, crash), 2 usage or bad graph, 130 stopped.
 */

import path from 'node:path';
import { TEMPLATES, getTemplate } from '../../shared/templates/index';
import type { TrainingEvent } from '../../shared/training';
import { planTraining } from '../../shared/training/plan';
import {
  SETTINGS, SETTING_KEYS, rangeText, settingFromText, settingProblem,
  type SettingKey, type SettingSpec, type TrainConfig,
} from '../../shared/training/settings';
import { createJobManager, JobError } from '../engine/jobs';
import { locateData, missingDataMessage, userDataDir } from '../data/locate';
import { downloadFashionMnist } from '../data/download';
import { GRAPH_FILE, readTextFileSync } from '../common/read-file';
import { trainingMemoryLimit } from '../common/memory-limit';
import { writeControl } from './output';

/** The progress bar's one cursor move: back to the line's start and clear it. */
const CLEAR_LINE = '\r\x1b[K';

/** The CLI says "none" where JSON says null (e.g. `--limit none`). */
const NULL_WORD = 'none';

/** One --help line per setting, from the settings table: what it does, its range, its default. */
export function settingHelpLine(spec: SettingSpec): string {
  const name = spec.kind === 'boolean' ? spec.flag : `${spec.flag} ${spec.arg ?? 'X'}`;
  const def = spec.default === null ? `default: ${spec.nullMeans ?? NULL_WORD}` : `default ${String(spec.default)}`;
  const range = spec.kind === 'path' ? '' : rangeText(spec, NULL_WORD);
  const says = spec.kind === 'choice' ? `${spec.help}: ${range}` : range ? `${spec.help}, ${range}` : spec.help;
  return `  ${name.padEnd(18)} ${says} (${def})`;
}

const HELP = `usage: convstudio train <template|file.json> [options]
       convstudio train --resume RUN_DIR [--epochs N] [--json]

Trains a template (${TEMPLATES.map((t) => t.id).join(', ')}) or a convstudio.graph file on Fashion-MNIST.

options:
${SETTING_KEYS.map((k) => settingHelpLine(SETTINGS[k])).join('\n')}
  --out DIR          where run folders go (default ./runs)
  --resume RUN_DIR   continue a run from its last checkpoint (--epochs N sets a new total)
  --json             one JSON object per line: resume, start, epoch, done, error
Without --data the usual places are searched, and the files downloaded if they are not there.
Exit codes: 0 done, 1 failed, 2 usage or bad graph, 130 stopped (Ctrl-C stops gracefully; twice kills).`;

class UsageError extends Error {}
/** A setting's value is wrong: the message says what is allowed, so the whole --help would only bury it. */
class SettingValueError extends UsageError {}

export interface Args {
  target: string | null;
  /** The settings given on the command line, each already checked against its bounds. */
  config: Partial<TrainConfig>;
  out: string;
  resume: string | null;
  json: boolean;
  help: boolean;
}

const SETTING_BY_FLAG = new Map<string, SettingKey>(SETTING_KEYS.map((k) => [SETTINGS[k].flag, k]));
const OTHER_FLAGS = new Set(['--out', '--resume']);
const isFlag = (s: string): boolean => SETTING_BY_FLAG.has(s) || OTHER_FLAGS.has(s) || s === '--json' || s === '--help';

/** A setting's flag and its text → its value, refusing text of the wrong type and values out of bounds alike. */
function settingArg(flag: string, spec: SettingSpec, text: string): unknown {
  const read = settingFromText(spec, text);
  if (!read.ok) throw new SettingValueError(`${flag} needs ${read.expected}, not "${text}"`);
  const problem = settingProblem(spec, read.value, flag, NULL_WORD);
  if (problem) throw new SettingValueError(problem);
  return read.value;
}

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
    const key = SETTING_BY_FLAG.get(arg);
    if (!key && !OTHER_FLAGS.has(arg)) {
      if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
      if (a.target) throw new UsageError(`one graph at a time (got "${a.target}" and "${arg}")`);
      a.target = arg;
      continue;
    }
    const spec = (key ? SETTINGS[key] : null) as SettingSpec | null;
    // A boolean setting is on by its flag alone (--flag=false turns it off).
    if (spec?.kind === 'boolean' && value === undefined) value = 'true';
    value ??= argv[++i];
    if (value === undefined || isFlag(value)) throw new UsageError(`${arg} needs a value`);
    if (arg === '--out') a.out = value;
    else if (arg === '--resume') a.resume = value;
    else (a.config as Record<string, unknown>)[key!] = settingArg(arg, spec!, value);
  }
  return a;
}

/** A template, or a file's text for the plan to parse (which also refuses what is not a graph). */
function loadGraph(target: string): unknown {
  const t = getTemplate(target);
  if (t) return t;
  const read = readTextFileSync(target, GRAPH_FILE);
  if (read.ok) return read.text;
  throw new UsageError(read.code === 'not-found'
    ? `"${target}" is neither a template (${TEMPLATES.map((x) => x.id).join(', ')}) nor a file: ${read.message}`
    : read.message);
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
    if (this.barShown) writeControl(process.stderr, CLEAR_LINE);
    this.barShown = false;
  }

  event(e: TrainingEvent): void {
    if (this.json) {
      if (e.event === 'start' || e.event === 'epoch' || e.event === 'done' || e.event === 'error' || e.event === 'resume') process.stdout.write(`${JSON.stringify(e)}\n`);
      return;
    }
    switch (e.event) {
      case 'resume':
        console.log(`resuming: ${e.message}`);
        break;
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
        writeControl(process.stderr, CLEAR_LINE, `epoch ${e.epoch}/${this.epochs} [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${e.batch}/${e.batchesPerEpoch} loss ${e.loss.toFixed(4)} ${fmtRate(e.samples_per_s)} samples/s eta ${fmtTime(e.eta_s)}`);
        this.barShown = true;
        break;
      }
      case 'epoch':
        this.clearBar();
        console.log(`epoch ${e.epoch}/${this.epochs}  train_loss ${e.train_loss.toFixed(4)}  train_acc ${e.train_acc.toFixed(4)}  val_loss ${e.val_loss.toFixed(4)}  val_acc ${e.val_acc.toFixed(4)}  ${fmtRate(e.samples_per_s)} samples/s  ${e.seconds.toFixed(1)} s  eta ${fmtTime(e.eta_s)}`);
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
        writeControl(process.stderr, CLEAR_LINE, `${pr.file} (${pr.index + 1}/${pr.count}) ${pct !== null ? `${pct}%` : `${(pr.received / 1e6).toFixed(1)} MB`}`);
      },
    });
    if (tty) writeControl(process.stderr, CLEAR_LINE);
    return target;
  } catch (err) {
    if (tty) writeControl(process.stderr, CLEAR_LINE);
    throw new DataMissing(missingDataMessage(found.searched, `Downloading them failed: ${(err as Error).message}`));
  }
}

class DataMissing extends Error {}

/** Errors that mean "this request cannot run as asked" (exit 2), as opposed to a run that failed. */
const REFUSALS = new Set(['bad-request', 'invalid-graph', 'not-trainable', 'not-found']);

export async function run(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    const more = err instanceof SettingValueError ? ' (convstudio train --help lists every setting)' : `\n\n${HELP}`;
    console.error(`convstudio train: ${(err as Error).message}${more}`);
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
      const planned = planTraining(loadGraph(args.target!), args.config, { source: args.target!, memoryLimit: trainingMemoryLimit });
      if (!planned.ok) throw JobError.fromPlan(planned.error);
      const plan = planned.value;
      // Checked before the data is fetched, so a bad graph never waits for a download.
      const dataDir = await ensureData(plan.config.dataDir, p, Boolean(process.stderr.isTTY) && !args.json);
      started = await jobs.startPlan({ ...plan, config: { ...plan.config, dataDir } });
    }
    return await follow(jobs, started.runId, p);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`convstudio train: ${err.message}`);
      return 2;
    }
    if (err instanceof JobError) {
      // A refusal is the request's fault (2); a run folder that cannot be written or a run already
      // being trained elsewhere is a failure to run it (1). Either way one line, no stack.
      p.message(err.message, true);
      return REFUSALS.has(err.code) ? 2 : 1;
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
