/**
 * How train.py carries each training setting of shared/training/settings.ts: the CONFIG key and
 * command-line flag it has there, and the value it starts from. The table is typed against the
 * settings table, so a setting added there without a line here fails the typecheck.
 */

import { SETTINGS, type SettingKey, type SettingSpec } from '../../shared/training/settings';

/** What train.py's argparse needs of a setting: the settings table's entry, or its own until the table has it. */
export interface TorchFlag {
  flag: string;
  kind: 'int' | 'number' | 'choice' | 'boolean' | 'path';
  help: string;
  default: unknown;
  nullable?: boolean;
  choices?: readonly string[];
}

export interface TorchSetting {
  /** train.py's CONFIG key; null where the setting means nothing to PyTorch (said in `note`). */
  key: string | null;
  /** A comment beside it in train.py. */
  note?: string;
  /** The value train.py starts from, given the run's value (default: the same). */
  value?: (v: unknown, ctx: { imageSize: number }) => unknown;
  /** For settings the table does not have yet. */
  flag?: TorchFlag;
  /** The run's value is where to look first, not a default for the flag (the data folder). */
  hintOnly?: true;
}

export const TORCH_SETTINGS = {
  epochs: { key: 'epochs' },
  batchSize: { key: 'batch_size', note: 'the global batch: with N processes each takes batch_size / N' },
  lr: { key: 'lr' },
  // The plan holds the Input to the size trained at, so this is the Input's size either way.
  resize: { key: 'image_size', note: 'Fashion-MNIST is resized to this (bilinear, as ConvStudio and torchvision do)', value: (v, ctx) => v ?? ctx.imageSize },
  limit: { key: 'limit' },
  valLimit: { key: 'val_limit' },
  backend: { key: null, note: 'PyTorch chooses the device instead: see --device' },
  // None: PyTorch's default (every core; under torchrun, OMP_NUM_THREADS=1 per process).
  threads: { key: 'threads', note: 'torch.set_num_threads for CPU training; None: PyTorch chooses' },
  seed: { key: 'seed' },
  // The run's folder is searched first but is not the only place: the export may be far from it.
  dataDir: { key: 'data_dir', hintOnly: true, note: "the run's folder, searched first; --data DIR makes a folder the only place" },
  optimizer: { key: 'optimizer' },
  momentum: { key: 'momentum' },
  nesterov: { key: 'nesterov' },
  // None: the optimizer's own default in make_optimizer (0; AdamW 0.01), as in ConvStudio.
  weightDecay: { key: 'weight_decay' },
  schedule: { key: 'schedule' },
  stepSize: { key: 'step_size' },
  gamma: { key: 'gamma' },
} satisfies { [K in SettingKey]: TorchSetting };

export type TorchSettingKey = keyof typeof TORCH_SETTINGS;

/** A setting's argparse description: the settings table's, or the table here's for settings still to come. */
export function torchFlag(key: TorchSettingKey): TorchFlag | null {
  const spec = (SETTINGS as Record<string, SettingSpec>)[key];
  if (spec) {
    return {
      flag: spec.flag, kind: spec.kind, help: spec.help, default: spec.default, nullable: spec.nullable === true,
      ...(spec.kind === 'choice' ? { choices: spec.choices } : {}),
    };
  }
  return (TORCH_SETTINGS[key] as TorchSetting).flag ?? null;
}
