/**
 * Every training setting as data, as the node catalogue (shared/graph/catalogue.ts) is for
 * layers: its type, bounds, default, whether it may be null, its label and help, and its CLI
 * flag. The Api's validator, the training process's normaliser, the Training panel's fields and
 * the CLI's flags and --help all read this table, so each bound is written once and a new
 * setting is one entry here plus its use in the trainer.
 */

import { FASHION_MNIST } from './fashion-mnist';

/** The backends a run may ask for; after "auto", in auto's order of preference. */
export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

interface SpecBase {
  /** The Training panel's label. */
  label: string;
  /** One lower-case phrase: the panel's tooltip and the --help line. */
  help: string;
  /** The `convstudio train` flag, and the name of its argument in --help (none for a boolean). */
  flag: `--${string}`;
  arg?: string;
  /** null is a legal value, meaning `nullMeans` (the panel's placeholder, the --help default). */
  nullable?: true;
  nullMeans?: string;
  /** Whether the Training panel shows it; the data folder, say, is the host's business. */
  panel: boolean;
}

export interface IntSpec extends SpecBase {
  kind: 'int';
  min: number;
  max: number;
  default: number | null;
}

export interface NumberSpec extends SpecBase {
  kind: 'number';
  min: number;
  max: number;
  /** min itself is refused (a learning rate of 0 learns nothing). */
  exclusiveMin?: true;
  /** The panel's arrow-key increment, and how far past a bound the agreement test probes. */
  step: number;
  default: number | null;
}

export interface ChoiceSpec extends SpecBase {
  kind: 'choice';
  choices: readonly string[];
  /** The panel's text for a choice, where the bare name says too little. */
  choiceLabels?: Readonly<Record<string, string>>;
  default: string | null;
}

export interface BooleanSpec extends SpecBase {
  kind: 'boolean';
  default: boolean | null;
}

export interface PathSpec extends SpecBase {
  kind: 'path';
  maxLength: number;
  default: string | null;
}

export type SettingSpec = IntSpec | NumberSpec | ChoiceSpec | BooleanSpec | PathSpec;

/**
 * In the order the panel and --help list them. Each bound's reason is beside it: when the app,
 * the engine and the CLI each had their own, they disagreed (epochs ≤ 1000 or ≤ 10000, batch
 * ≤ 8192 or ≤ 60000, resize ≥ 4 or ≥ 1, lr ≤ 10 or unbounded).
 */
export const SETTINGS = {
  // d2l trains for 10 to 30 epochs; 1000 passes over Fashion-MNIST take days on a laptop, so
  // anything more is a typo.
  epochs: {
    kind: 'int', min: 1, max: 1000, default: 10,
    label: 'Epochs', help: 'passes over the training set', flag: '--epochs', arg: 'N', panel: true,
  },
  // Up to the whole training set: full-batch gradient descent is a fair experiment (d2l 12.3), and
  // whether a batch fits in memory depends on the network, which is the memory estimate's to say.
  batchSize: {
    kind: 'int', min: 1, max: FASHION_MNIST.trainSamples, default: 128,
    label: 'Batch size', help: 'samples per SGD step', flag: '--batch-size', arg: 'N', panel: true,
  },
  // d2l's largest is 0.9 (LeNet with sigmoids); at 10 plain SGD already diverges on most networks
  // here, so a larger value is a slip of the keyboard, not an experiment.
  lr: {
    kind: 'number', min: 0, exclusiveMin: true, max: 10, step: 0.001, default: 0.1,
    label: 'Learning rate', help: 'learning rate', flag: '--lr', arg: 'X', panel: true,
  },
  // torch.optim's three that d2l uses (11.4 SGD, 12.6 momentum, 12.10 Adam) and AdamW, with
  // PyTorch's semantics (shared/training/optimizer.ts).
  optimizer: {
    kind: 'choice', choices: ['sgd', 'adam', 'adamw'], default: 'sgd', choiceLabels: { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW' },
    label: 'Optimizer', help: 'how each step moves the weights (sgd, adam or adamw, as torch.optim)', flag: '--optimizer', arg: 'O', panel: true,
  },
  // SGD's only; 1 and above never forgets a gradient, so the steps grow without bound.
  momentum: {
    kind: 'number', min: 0, max: 0.999, step: 0.01, default: 0,
    label: 'Momentum', help: "SGD's momentum (0: none; d2l 12.6 uses 0.9)", flag: '--momentum', arg: 'X', panel: true,
  },
  nesterov: {
    kind: 'boolean', default: false,
    label: 'Nesterov', help: "Nesterov momentum for SGD (needs a momentum above 0, as in torch.optim.SGD)", flag: '--nesterov', panel: true,
  },
  // An L2 factor of 1 halves the weights each step at lr 0.5; d2l 3.7's largest is 0.03. null is
  // PyTorch's default for the optimizer: 0 for SGD and Adam, 0.01 for AdamW.
  weightDecay: {
    kind: 'number', min: 0, max: 1, step: 0.0001, nullable: true, default: null, nullMeans: "PyTorch's default (0; AdamW 0.01)",
    label: 'Weight decay', help: 'L2 penalty (SGD, Adam: added to the gradient; AdamW: decoupled, lr·wd·w)', flag: '--weight-decay', arg: 'X', panel: true,
  },
  // Stepped once per epoch, as d2l 12.11 and torch.optim.lr_scheduler's examples do.
  schedule: {
    kind: 'choice', choices: ['constant', 'step', 'cosine'], default: 'constant',
    choiceLabels: { constant: 'constant', step: 'step (× gamma every N epochs)', cosine: 'cosine (to 0 at the last epoch)' },
    label: 'LR schedule', help: 'learning rate per epoch: constant, step (StepLR) or cosine (CosineAnnealingLR over the epochs)', flag: '--schedule', arg: 'S', panel: true,
  },
  // As the epochs' bound: a step size past the run's epochs is a constant schedule.
  stepSize: {
    kind: 'int', min: 1, max: 1000, default: 5,
    label: 'LR step (epochs)', help: 'the step schedule multiplies the learning rate by gamma every N epochs', flag: '--step-size', arg: 'N', panel: true,
  },
  // Above 1 the rate would grow every step: that is not a decay schedule.
  gamma: {
    kind: 'number', min: 0, exclusiveMin: true, max: 1, step: 0.05, default: 0.1,
    label: 'LR gamma', help: "the step schedule's factor (torch's StepLR gamma)", flag: '--gamma', arg: 'X', panel: true,
  },
  // The Input must have this size, and the plan holds the Input to the same bounds: below 4 px a
  // garment is a blur of 16 pixels; 512 is over twice d2l's largest (224) and already gigabytes of
  // activations per batch for VGG.
  resize: {
    kind: 'int', min: 4, max: 512, nullable: true, default: null, nullMeans: "the Input's size",
    // Not a panel field: the Input's size is the training size, so the panel's resize follows it.
    label: 'Resize to (px)', help: "resize images to S×S like torchvision's Resize", flag: '--resize', arg: 'S', panel: false,
  },
  // A subset cannot be larger than the split it is taken from.
  limit: {
    kind: 'int', min: 1, max: FASHION_MNIST.trainSamples, nullable: true, default: null, nullMeans: 'all 60,000',
    label: 'Train subset', help: 'train on N samples (a seeded random subset)', flag: '--limit', arg: 'N', panel: true,
  },
  valLimit: {
    kind: 'int', min: 1, max: FASHION_MNIST.testSamples, nullable: true, default: null, nullMeans: 'all 10,000',
    label: 'Val subset', help: 'validate on the first N test samples', flag: '--val-limit', arg: 'N', panel: true,
  },
  backend: {
    kind: 'choice', choices: BACKENDS, default: 'auto', choiceLabels: { auto: 'auto (fastest available)' },
    label: 'Backend', help: 'where the maths runs', flag: '--backend', arg: 'B', panel: true,
  },
  // CPU threads for the native backend. null is PyTorch's default, every core (or OMP_NUM_THREADS
  // where the user set it). More threads than cores only wait on each other at every barrier;
  // 1024 is past any machine a student has.
  threads: {
    kind: 'int', min: 1, max: 1024, nullable: true, default: null, nullMeans: 'every core (or OMP_NUM_THREADS)',
    label: 'CPU threads', help: 'threads the native backend trains with', flag: '--threads', arg: 'N', panel: true,
  },
  // The shuffler works on 32-bit words (main/engine-core/shuffle.ts): a larger seed would repeat a smaller
  // one's sample order. 2^31 − 1 also fits every other seeded generator's signed integer.
  seed: {
    kind: 'int', min: 0, max: 2 ** 31 - 1, default: 0,
    label: 'Seed', help: 'seeds the initial weights and the shuffling', flag: '--seed', arg: 'N', panel: false,
  },
  // Longer than any path a file system accepts (PATH_MAX is 4096 on Linux).
  dataDir: {
    kind: 'path', maxLength: 4096, nullable: true, default: null, nullMeans: 'search the usual places',
    label: 'Data folder', help: 'folder with the four Fashion-MNIST files', flag: '--data', arg: 'DIR', panel: false,
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

type PlainValue<S> =
  S extends { kind: 'int' | 'number' } ? number
    : S extends { kind: 'choice'; choices: readonly (infer C)[] } ? C
      : S extends { kind: 'boolean' } ? boolean
        : S extends { kind: 'path' } ? string
          : never;

/** The type a spec's values have: its kind's, or null too where it is nullable. */
export type SettingValue<S> = S extends { nullable: true } ? PlainValue<S> | null : PlainValue<S>;

export type TrainConfig = { -readonly [K in SettingKey]: SettingValue<(typeof SETTINGS)[K]> };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze(
  Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTINGS[k].default])) as TrainConfig,
);

/** Whether `value` is one of the spec's values. */
export function isValidSetting(spec: SettingSpec, value: unknown): boolean {
  if (value === null) return spec.nullable === true;
  switch (spec.kind) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= spec.min && value <= spec.max;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && (spec.exclusiveMin ? value > spec.min : value >= spec.min) && value <= spec.max;
    case 'choice':
      return typeof value === 'string' && spec.choices.includes(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'path':
      return typeof value === 'string' && value.length > 0 && value.length <= spec.maxLength && !value.includes('\0');
  }
}

const orList = (xs: readonly string[]): string => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}` : xs.join(''));

/**
 * The allowed values in a few words, e.g. "1–1000" or "auto, tensorflow, webgpu, native, wasm or cpu";
 * with `nullWord`, a nullable setting's range ends "or <nullWord>".
 */
export function rangeText(spec: SettingSpec, nullWord?: string): string {
  const base = ((): string => {
    switch (spec.kind) {
      case 'int': return `${spec.min}–${spec.max}`;
      case 'number': return spec.exclusiveMin ? `above ${spec.min}, up to ${spec.max}` : `${spec.min}–${spec.max}`;
      case 'choice': return orList(spec.choices);
      case 'boolean': return 'true or false';
      case 'path': return 'a folder path';
    }
  })();
  return spec.nullable && nullWord ? `${base} or ${nullWord}` : base;
}

/** The allowed values as the end of "x must be …". */
function mustBe(spec: SettingSpec, nullWord: string): string {
  const base = ((): string => {
    switch (spec.kind) {
      case 'int': return `a whole number from ${spec.min} to ${spec.max}`;
      case 'number': return spec.exclusiveMin ? `a number above ${spec.min} and at most ${spec.max}` : `a number from ${spec.min} to ${spec.max}`;
      case 'choice': return `one of ${spec.choices.join(', ')}`;
      case 'boolean': return 'true or false';
      case 'path': return 'a folder path';
    }
  })();
  return spec.nullable ? `${base}, or ${nullWord}` : base;
}

/** A value as a message quotes it: short, whatever it is. */
function quote(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * What is wrong with `value` for the setting, naming it as `name` (a config field for data, a flag
 * for the CLI, which also says "none" for null); null when nothing is.
 */
export function settingProblem(spec: SettingSpec, value: unknown, name: string, nullWord = 'null'): string | null {
  return isValidSetting(spec, value) ? null : `${name} must be ${mustBe(spec, nullWord)} (got ${quote(value)})`;
}

export type CheckedConfig =
  | { ok: true; value: TrainConfig }
  /** `settings` holds the problem with each known setting, for a form to show beside its field. */
  | { ok: false; message: string; settings: Partial<Record<SettingKey, string>> };

const MAX_UNKNOWN_REPORTED = 5;

/**
 * An untrusted config (a request, a run folder's config.json) → a complete TrainConfig: absent
 * fields take their defaults; a present one must be valid, and unknown fields are refused
 * (nothing here could honour them).
 */
export function checkTrainConfig(input: unknown): CheckedConfig {
  if (input === undefined || input === null) return { ok: true, value: { ...DEFAULT_TRAIN_CONFIG } };
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, message: `The training settings must be an object of settings (got ${quote(input)}).`, settings: {} };
  }
  const given = input as Record<string, unknown>;
  const settings: Partial<Record<SettingKey, string>> = {};
  const value = { ...DEFAULT_TRAIN_CONFIG } as Record<SettingKey, unknown>;
  for (const key of SETTING_KEYS) {
    if (!Object.prototype.hasOwnProperty.call(given, key) || given[key] === undefined) continue;
    const problem = settingProblem(SETTINGS[key], given[key], key);
    if (problem) settings[key] = problem;
    else value[key] = given[key];
  }
  const unknown = Object.keys(given).filter((k) => !(SETTING_KEYS as string[]).includes(k));
  const problems: string[] = Object.values(settings);
  if (unknown.length) {
    const named = unknown.slice(0, MAX_UNKNOWN_REPORTED).map((k) => quote(k)).join(', ');
    const more = unknown.length > MAX_UNKNOWN_REPORTED ? ` and ${unknown.length - MAX_UNKNOWN_REPORTED} more` : '';
    problems.push(`${named}${more} ${unknown.length === 1 ? 'is not a training setting' : 'are not training settings'} (known: ${SETTING_KEYS.join(', ')})`);
  }
  if (problems.length) return { ok: false, message: `Invalid training settings: ${problems.join('; ')}.`, settings };
  return { ok: true, value: value as TrainConfig };
}

/**
 * Settings that mean something only under another's value, and the words for when they do not:
 * momentum is SGD's (Adam's is its beta1), the step schedule's step and gamma are the step
 * schedule's, the thread count is the native backend's. The panel greys such a field with the
 * reason, and Start sends its default (applicableConfig), so a value typed for SGD does not
 * clash with Adam.
 */
const APPLIES: Partial<Record<SettingKey, { when: (c: TrainConfig) => boolean; only: string }>> = {
  momentum: { when: (c) => c.optimizer === 'sgd', only: 'SGD only' },
  nesterov: { when: (c) => c.optimizer === 'sgd', only: 'SGD only' },
  stepSize: { when: (c) => c.schedule === 'step', only: 'step schedule only' },
  gamma: { when: (c) => c.schedule === 'step', only: 'step schedule only' },
  threads: { when: (c) => c.backend === 'native' || c.backend === 'auto', only: 'native backend only' },
};

/** null when `key` means something under `config`; else why not ("SGD only"). */
export function settingInapplicable(key: SettingKey, config: TrainConfig): string | null {
  const rule = APPLIES[key];
  return rule && !rule.when(config) ? rule.only : null;
}

/** The config with every setting that does not apply under the others at its default. */
export function applicableConfig(config: TrainConfig): TrainConfig {
  const out = { ...config } as Record<SettingKey, unknown>;
  for (const key of SETTING_KEYS) if (settingInapplicable(key, config)) out[key] = SETTINGS[key].default;
  return out as TrainConfig;
}

export type FromText = { ok: true; value: unknown } | { ok: false; expected: string };

/**
 * A setting typed as text (a CLI argument, a panel field) → a value of the setting's type, or
 * what kind of text was expected. Bounds are not checked here but by settingProblem, so text and
 * data meet the same ones. A nullable setting reads "" and "none" as null.
 */
export function settingFromText(spec: SettingSpec, text: string): FromText {
  const t = text.trim();
  if (spec.nullable && (t === '' || t.toLowerCase() === 'none')) return { ok: true, value: null };
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const n = Number(t);
      if (t === '' || !Number.isFinite(n)) return { ok: false, expected: spec.kind === 'int' ? 'a whole number' : 'a number' };
      if (spec.kind === 'int' && !Number.isInteger(n)) return { ok: false, expected: 'a whole number' };
      return { ok: true, value: n };
    }
    case 'choice':
      return { ok: true, value: t };
    case 'boolean':
      if (t === 'true' || t === 'false') return { ok: true, value: t === 'true' };
      return { ok: false, expected: 'true or false' };
    case 'path':
      return { ok: true, value: text };
  }
}
