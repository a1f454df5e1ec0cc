/**
 * train.py: the run's training, in PyTorch, with d2l's Trainer semantics (minibatch steps on the
 * mean cross-entropy of the logits, one pass over the shuffled training set per epoch, then the
 * validation set). The same file runs as `python train.py` on CUDA, MPS or the CPU and unchanged
 * under torchrun on N GPUs or N machines (DistributedDataParallel).
 *
 * Its CONFIG and flags are generated from the settings table through torch-settings.ts; the rest
 * is fixed code. It reads Fashion-MNIST where ConvStudio does (main/data/locate.ts), draws the
 * training subset and each epoch's order with ConvStudio's generator (main/engine-core/shuffle.ts), so
 * from the same weights `python train.py` takes the very batches the app's run took.
 */

import { SETTINGS, type SettingSpec } from '../../shared/training/settings';
import { pyData, pyString } from './python';
import { TORCH_SETTINGS, torchFlag, type TorchSetting, type TorchSettingKey } from './torch-settings';

export interface TrainOptions {
  /** The run's config (or the defaults, for a graph). */
  config: Record<string, unknown>;
  imageSize: number;
  /** "run 2026…-lenet-1a2b3c", "template lenet". */
  source: string;
  producer: string;
  /** The exported weights file and the epochs behind it; null when the export has none. */
  weights: { file: string; epochsDone: number; describe: string } | null;
}

function argLine(key: string, f: NonNullable<ReturnType<typeof torchFlag>>): string {
  const spec = (SETTINGS as Record<string, SettingSpec>)[key];
  const bounds = spec && (spec.kind === 'int' || spec.kind === 'number') ? { min: spec.min, max: spec.max, exclusive: spec.kind === 'number' && spec.exclusiveMin === true } : null;
  const conf = TORCH_SETTINGS[key as TorchSettingKey] as TorchSetting;
  const parts = [pyString(f.flag), `dest=${pyString(conf.key as string)}`, `default=CONFIG[${pyString(conf.key as string)}]`];
  switch (f.kind) {
    case 'int':
    case 'number': {
      const base = f.kind === 'int' ? 'int' : 'float';
      parts.push(`type=_number(${base}, ${bounds ? `${bounds.min}, ${bounds.max}, ${bounds.exclusive ? 'True' : 'False'}` : 'None, None, False'}, ${f.nullable ? 'True' : 'False'})`);
      break;
    }
    case 'choice': parts.push(`choices=${pyData(f.choices ?? [])}`); break;
    case 'boolean': parts.push('action=argparse.BooleanOptionalAction'); break;
    case 'path': parts.push('type=str'); break;
  }
  parts.push(`help=${pyString(`${f.help}${f.nullable ? ' (none: ConvStudio\'s default)' : ''} (default: %(default)s)`)}`);
  return `    parser.add_argument(${parts.join(', ')})`;
}

/** CONFIG's lines and the argparse lines, one per setting, from the two tables. */
function settingsCode(opts: TrainOptions): { config: string; args: string } {
  const config: string[] = [];
  const args: string[] = [];
  for (const key of Object.keys(TORCH_SETTINGS) as TorchSettingKey[]) {
    const conf = TORCH_SETTINGS[key] as TorchSetting;
    const f = torchFlag(key);
    const has = Object.prototype.hasOwnProperty.call(opts.config, key);
    const raw = has ? opts.config[key] : f?.default;
    const value = conf.value ? conf.value(raw, { imageSize: opts.imageSize }) : raw;
    const from = has ? '' : ' (not in the run: PyTorch\'s default)';
    if (conf.key === null) {
      config.push(`    # ${key} ${pyData(raw)} in ConvStudio: ${conf.note ?? 'not used here'}.`);
      continue;
    }
    const note = [f?.help, conf.note].filter(Boolean).join('; ');
    config.push(`    ${pyString(conf.key)}: ${pyData(value)},  # ${note}${from}`);
    if (f) args.push(argLine(key, f));
  }
  return { config: config.join('\n'), args: args.join('\n') };
}

export function trainPy(opts: TrainOptions): string {
  const { config, args } = settingsCode(opts);
  const w = opts.weights;
  return String.raw`#!/usr/bin/env python3
"""Train the network of model.py on Fashion-MNIST with PyTorch: ${opts.source}, exported by ${opts.producer}.

One process, on CUDA, Apple's MPS or the CPU (whichever is there):
    python train.py
Every GPU of this machine, one process each (DistributedDataParallel):
    torchrun --standalone --nproc_per_node=gpu train.py
Several machines: README.md. Every setting is a flag: python train.py --help.

What it does is d2l's Trainer: per epoch, minibatch steps on the mean cross-entropy of the
logits over the shuffled training set, then the validation set. With --order convstudio (the
default) the training subset and each epoch's order are ConvStudio's own, so from the same
weights it takes the very batches the app's run took; the batch size is the global one, split
over the processes, so N processes compute the same steps as one.
"""
import argparse
import gzip
import json
import math
import os
import socket
import struct
import sys
import time
import warnings
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from model import INPUT_SHAPE, build_model, load_weights

HERE = Path(__file__).resolve().parent

# The run's settings, from ConvStudio's settings table. Each is also a flag (python train.py --help).
CONFIG = {
${config}
}

#: What ConvStudio exported beside this file: the weights, and the epochs they have trained.
EXPORTED_WEIGHTS = ${w ? pyString(w.file) : 'None'}
EXPORTED_EPOCHS = ${w ? w.epochsDone : 0}

NUM_CLASSES = 10
IMAGE_SIDE = 28


class UsageError(Exception):
    """A setting, a file or the data is not what training needs: one message, exit code 2."""


def _number(kind, low, high, exclusive_low, nullable):
    def parse(text):
        if nullable and text.strip().lower() in ('', 'none'):
            return None
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'{text!r} is not {"a whole number" if kind is int else "a number"}')
        if low is not None and (value <= low if exclusive_low else value < low) or high is not None and value > high:
            raise argparse.ArgumentTypeError(f'{value} is out of range ({"above" if exclusive_low else "from"} {low} to {high})')
        return value
    return parse


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
${args}
    parser.add_argument('--device', default='auto', choices=['auto', 'cuda', 'mps', 'cpu'], help='where to train (auto: CUDA, then MPS, then the CPU)')
    parser.add_argument('--order', default='convstudio', choices=['convstudio', 'torch'], help="sample order: ConvStudio's (the app's batches) or DistributedSampler's shuffle")
    parser.add_argument('--weights', default=None, help='start from these weights (.safetensors or .pt) and their epoch; default: the exported ones')
    parser.add_argument('--fresh', action='store_true', help="ignore the exported weights: initialise like d2l's init_cnn, seeded")
    parser.add_argument('--out', default=None, help='folder for checkpoint.pt and metrics.jsonl (default runs/torch-<time>)')
    parser.add_argument('--resume', default=None, metavar='DIR', help='continue from DIR/checkpoint.pt (weights, optimizer, epoch)')
    parser.add_argument('--sync-bn', action='store_true', help='SyncBatchNorm across processes (CUDA only): batch statistics over the global batch')
    parser.add_argument('--workers', type=int, default=0, help='DataLoader worker processes (the data is in memory, so 0 is usually fastest)')
    return parser.parse_args(argv)


# --- Fashion-MNIST, found where ConvStudio looks (main/data/locate.ts) ---------------------------

IDX_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}
SYSTEM_DATA_DIR = '/usr/share/datasets/fashion-mnist'
TORCHVISION_ROOT = 'data'


def user_data_dir():
    home = os.environ.get('HOME') or os.environ.get('USERPROFILE') or str(Path.home())
    if sys.platform == 'win32':
        return os.path.join(os.environ.get('LOCALAPPDATA') or os.path.join(home, 'AppData', 'Local'), 'convstudio', 'fashion-mnist')
    if sys.platform == 'darwin':
        return os.path.join(home, 'Library', 'Application Support', 'convstudio', 'fashion-mnist')
    return os.path.join(os.environ.get('XDG_DATA_HOME') or os.path.join(home, '.local', 'share'), 'convstudio', 'fashion-mnist')


def data_dirs(explicit, hint):
    """A folder named on the command line is the only place looked; otherwise the run's folder,
    $CONVSTUDIO_DATA, ConvStudio's download folder, Debian's dataset-fashion-mnist, and
    torchvision's ./data/FashionMNIST/raw."""
    if explicit:
        return [os.path.abspath(explicit)]
    dirs = [hint] if hint else []
    if os.environ.get('CONVSTUDIO_DATA'):
        dirs.append(os.path.abspath(os.environ['CONVSTUDIO_DATA']))
    dirs += [user_data_dir(), SYSTEM_DATA_DIR, os.path.join(TORCHVISION_ROOT, 'FashionMNIST', 'raw')]
    return dirs


def files_in(folder):
    found = {}
    for split, names in IDX_FILES.items():
        for name in names:
            for candidate in (os.path.join(folder, name + '.gz'), os.path.join(folder, name)):
                if os.path.isfile(candidate):
                    found[name] = candidate
                    break
            else:
                return None
    return found


def read_idx(path, dims):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 + 4 * dims or data[:3] != b'\x00\x00\x08' or data[3] != dims:
        raise UsageError(f'{path} is not an IDX file of {dims} dimension(s) of bytes')
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    body = data[4 + 4 * dims:]
    if len(body) != math.prod(shape):
        raise UsageError(f'{path} holds {len(body)} bytes of data but its header says {math.prod(shape)}: truncated?')
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


def load_fashion_mnist(explicit=None, hint=None, may_download=True):
    """((train images, labels), (test images, labels)): uint8 N×28×28 and int64 N."""
    searched = data_dirs(explicit, hint)
    for folder in searched:
        files = files_in(folder)
        if files:
            out = []
            for split, (images, labels) in IDX_FILES.items():
                x, y = read_idx(files[images], 3), read_idx(files[labels], 1)
                if tuple(x.shape[1:]) != (IMAGE_SIDE, IMAGE_SIDE) or len(x) != len(y) or int(y.max()) >= NUM_CLASSES:
                    raise UsageError(f'{folder}: {split} images {tuple(x.shape)} and labels {tuple(y.shape)} are not Fashion-MNIST')
                out.append((x, y.long()))
            return out
    if not explicit and may_download:
        try:
            import torchvision
        except ImportError:
            torchvision = None
        if torchvision is not None:
            sets = [torchvision.datasets.FashionMNIST(TORCHVISION_ROOT, train=t, download=True) for t in (True, False)]
            return [(s.data, s.targets.long()) for s in sets]
    names = ', '.join(n + '.gz' for pair in IDX_FILES.values() for n in pair)
    raise UsageError('\n'.join([f'Fashion-MNIST not found. Looked for {names} in:', *(f'  - {d}' for d in searched),
                                'Put the four files in one of them, pass --data FOLDER, or install torchvision (pip install torchvision) to download them.']))


# --- ConvStudio's sample order (main/engine-core/shuffle.ts, main/data/fashion-mnist.ts) ----------------

def _mulberry32(seed):
    a = seed & 0xFFFFFFFF

    def draw():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return draw


def convstudio_permutation(n, seed):
    """Fisher-Yates with mulberry32: ConvStudio's permutation(n, seed), number for number."""
    p = list(range(n))
    draw = _mulberry32(seed)
    for i in range(n - 1, 0, -1):
        j = math.floor(draw() * (i + 1))
        p[i], p[j] = p[j], p[i]
    return p


def convstudio_subset(count, limit, seed):
    p = convstudio_permutation(count, seed ^ 0x5EED)
    return p[:limit] if limit is not None and limit < count else p


def convstudio_epoch_order(n, seed, epoch):
    return convstudio_permutation(n, ((((seed + 1) * 0x9E3779B1) & 0xFFFFFFFF) ^ ((epoch * 0x85EBCA6B) & 0xFFFFFFFF)) & 0xFFFFFFFF)


class Samples(Dataset):
    """Images (uint8) and labels at the given indices of a split."""

    def __init__(self, split, indices):
        self.images, self.labels = split
        self.indices = indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        j = self.indices[i]
        return self.images[j], self.labels[j]


class EpochSampler(DistributedSampler):
    """This process's share of each epoch's order: ConvStudio's permutation for the epoch, or
    DistributedSampler's own shuffle; set_epoch() chooses the epoch for both. Padded and dealt out
    rank by rank like DistributedSampler, so the processes' k-th batches together are the k-th
    global batch."""

    def __init__(self, dataset, num_replicas, rank, seed, order):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=True, seed=seed, drop_last=False)
        self.order = order

    def __iter__(self):
        if self.order == 'torch':
            return super().__iter__()
        indices = convstudio_epoch_order(len(self.dataset), self.seed, self.epoch)
        indices += indices[:self.total_size - len(indices)]
        return iter(indices[self.rank:self.total_size:self.num_replicas])


# --- Processes and devices ------------------------------------------------------------------

def setup(device_flag):
    """(rank, world size, device). Under torchrun, joins the process group: NCCL on CUDA, gloo otherwise."""
    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    local_rank = int(os.environ.get('LOCAL_RANK', '0'))
    if device_flag in ('auto', 'cuda') and torch.cuda.is_available():
        device = torch.device('cuda', local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
    elif device_flag == 'cuda':
        raise UsageError('--device cuda: PyTorch sees no CUDA device here.')
    elif device_flag in ('auto', 'mps') and world == 1 and getattr(torch.backends, 'mps', None) and torch.backends.mps.is_available():
        device = torch.device('mps')
    elif device_flag == 'mps':
        raise UsageError('--device mps: MPS is not available here (it needs Apple silicon and one process).')
    else:
        device = torch.device('cpu')
    if world > 1:
        if int(os.environ.get('LOCAL_WORLD_SIZE', '0')) == world:
            use_loopback()
        dist.init_process_group(backend='nccl' if device.type == 'cuda' else 'gloo')
    return rank, world, device


def leave_group():
    """Ends a process of a finished DDP run: waits for the others (rank 0 has written its checkpoint
    and metrics), then exits without Python's teardown. In PyTorch 1.13, freeing
    DistributedDataParallel's reducer at exit destroys the gloo process group, which joins its
    worker thread while holding the GIL; a worker still freeing a tensor waits for that GIL, and
    the process never ends (seen here: torchrun waiting for ever on rank 1 after the last epoch)."""
    dist.barrier()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def use_loopback():
    """All processes are on this machine: they meet on the loopback interface.

    torchrun gives them this machine's host name as MASTER_ADDR, and gloo binds to the address
    that name resolves to. Where the name resolves to an address that is not reachable (a
    container, a laptop on a VPN, a machine whose DNS is gone), init_process_group waits forever.
    127.0.0.1 always reaches the store rank 0 serves on every interface."""
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    if 'GLOO_SOCKET_IFNAME' not in os.environ:
        try:
            loopback = [name for _, name in socket.if_nameindex() if name in ('lo', 'lo0')]
        except OSError:
            loopback = []
        if loopback:
            os.environ['GLOO_SOCKET_IFNAME'] = loopback[0]


def all_sum(values, device, world):
    """Sums a list of numbers over the processes."""
    t = torch.tensor(values, dtype=torch.float64, device=device if device.type != 'mps' else 'cpu')
    if world > 1:
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t.tolist()


def make_optimizer(params, cfg):
    name = cfg['optimizer']
    decay = cfg['weight_decay'] if cfg['weight_decay'] is not None else (0.01 if name == 'adamw' else 0.0)
    if name == 'sgd':
        if cfg['nesterov'] and cfg['momentum'] <= 0:
            raise UsageError('--nesterov needs a momentum above 0 (--momentum 0.9, say).')
        return torch.optim.SGD(params, lr=cfg['lr'], momentum=cfg['momentum'], nesterov=cfg['nesterov'], weight_decay=decay)
    if name == 'adam':
        return torch.optim.Adam(params, lr=cfg['lr'], weight_decay=decay)
    return torch.optim.AdamW(params, lr=cfg['lr'], weight_decay=decay)


def make_schedule(optimizer, cfg):
    """Stepped once per epoch."""
    if cfg['schedule'] == 'step':
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg['step_size'], gamma=cfg['gamma'])
    if cfg['schedule'] == 'cosine':
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg['epochs'])
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)


# --- d2l's Trainer ------------------------------------------------------------------------------

class Trainer:
    """d2l's Trainer (3.4): fit() runs fit_epoch() for each epoch, a pass over the training
    batches and then over the validation batches. Every process trains; rank 0 logs and saves."""

    def __init__(self, max_epochs, device, rank, world, out_dir, image_size):
        self.max_epochs, self.device, self.rank, self.world = max_epochs, device, rank, world
        self.out_dir, self.image_size = out_dir, image_size

    def prepare_batch(self, batch):
        X, y = batch
        # As ConvStudio: pixels / 255 in float32 (bit for bit the app's), resized bilinearly.
        X = X.to(self.device, non_blocking=True).unsqueeze(1).float().div_(255)
        if self.image_size != IMAGE_SIDE:
            X = F.interpolate(X, size=(self.image_size, self.image_size), mode='bilinear', align_corners=False)
        return X, y.to(self.device, non_blocking=True)

    def log(self, text):
        if self.rank == 0:
            print(text, flush=True)

    def fit(self, model, train_loader, val_loader, optimizer, scheduler, start_epoch, cfg):
        self.model, self.train_loader, self.val_loader = model, train_loader, val_loader
        self.optim, self.scheduler, self.cfg = optimizer, scheduler, cfg
        for self.epoch in range(start_epoch, self.max_epochs):
            self.fit_epoch()

    def fit_epoch(self):
        t0 = time.time()
        self.train_loader.sampler.set_epoch(self.epoch)
        self.model.train()
        losses, correct, seen = [], torch.zeros((), device=self.device), 0
        for batch in self.train_loader:
            X, y = self.prepare_batch(batch)
            Y_hat = self.model(X)
            loss = F.cross_entropy(Y_hat, y)
            self.optim.zero_grad(set_to_none=True)
            loss.backward()
            self.optim.step()
            # Kept on the device: no host round trip per step.
            losses.append(loss.detach())
            correct += (Y_hat.detach().argmax(1) == y).sum()
            seen += len(y)
        self.scheduler.step()
        # Each global batch's loss is the mean of the processes' (equal shares); the epoch's is the
        # mean of its batches', as ConvStudio reports it.
        batch_losses = torch.stack(losses).double() if losses else torch.zeros(0, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(batch_losses, op=dist.ReduceOp.SUM)
            batch_losses /= self.world
        batch_losses = batch_losses.tolist()
        correct_total, seen_total = all_sum([correct.item(), seen], self.device, self.world)
        train_loss = sum(batch_losses) / max(len(batch_losses), 1)
        train_acc = correct_total / max(seen_total, 1)
        val_loss, val_acc = self.evaluate()
        seconds = time.time() - t0
        row = {'event': 'epoch', 'epoch': self.epoch + 1, 'train_loss': train_loss, 'train_acc': train_acc,
               'val_loss': val_loss, 'val_acc': val_acc, 'samples_per_s': seen_total / max(seconds, 1e-9), 'seconds': seconds}
        self.log(f"epoch {self.epoch + 1}/{self.max_epochs}  train_loss {train_loss:.4f}  train_acc {train_acc:.4f}  "
                 f"val_loss {val_loss:.4f}  val_acc {val_acc:.4f}  {row['samples_per_s']:.0f} samples/s  {seconds:.1f} s")
        if self.rank == 0:
            self.save(row, batch_losses)

    def evaluate(self):
        """Validation over every process's share, the sums all-reduced: the metrics of the whole set."""
        self.model.eval()
        loss_sum, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for batch in self.val_loader:
                X, y = self.prepare_batch(batch)
                Y_hat = self.model(X)
                loss_sum += F.cross_entropy(Y_hat, y, reduction='sum').item()
                correct += int((Y_hat.argmax(1) == y).sum())
                count += len(y)
        loss_sum, correct, count = all_sum([loss_sum, correct, count], self.device, self.world)
        return loss_sum / count, correct / count

    def save(self, row, batch_losses):
        module = self.model.module if hasattr(self.model, 'module') else self.model
        state = {'model': module.state_dict(), 'optimizer': self.optim.state_dict(), 'scheduler': self.scheduler.state_dict(),
                 'epoch': self.epoch + 1, 'config': self.cfg}
        tmp = self.out_dir / 'checkpoint.pt.tmp'
        torch.save(state, tmp)
        os.replace(tmp, self.out_dir / 'checkpoint.pt')
        with open(self.out_dir / 'metrics.jsonl', 'a') as f:
            # The same events ConvStudio's metrics.jsonl holds, so the two runs' curves compare line by line.
            for i, loss in enumerate(batch_losses):
                f.write(json.dumps({'event': 'batch', 'epoch': self.epoch + 1, 'batch': i + 1, 'batchesPerEpoch': len(batch_losses), 'loss': loss}) + '\n')
            f.write(json.dumps(row) + '\n')


def main(argv=None):
    args = parse_args(argv)
    cfg = {k: getattr(args, k) for k in CONFIG}
    # The run's data folder is only a hint; --data names the one place to look.
    cfg['data_dir'], explicit = CONFIG['data_dir'], args.data_dir
    rank, world = int(os.environ.get('RANK', '0')), int(os.environ.get('WORLD_SIZE', '1'))
    try:
        rank, world, device = setup(args.device)
        # Where the files are missing, one process downloads them (torchvision) while the others wait.
        if world > 1 and not any(files_in(d) for d in data_dirs(explicit, CONFIG['data_dir'])):
            if rank == 0:
                load_fashion_mnist(explicit, CONFIG['data_dir'])
            dist.barrier()
        train_split, test_split = load_fashion_mnist(explicit, CONFIG['data_dir'])
        train_idx = convstudio_subset(len(train_split[0]), cfg['limit'], cfg['seed'])
        n = len(train_idx)
        batch = min(cfg['batch_size'], n)
        if batch % world:
            raise UsageError(f'The batch size {batch} does not split over {world} processes: choose a multiple of {world}.')
        val_n = min(cfg['val_limit'] or len(test_split[0]), len(test_split[0]))

        if cfg['threads'] and device.type == 'cpu':
            torch.set_num_threads(cfg['threads'])
        torch.manual_seed(cfg['seed'])
        model = build_model().to(device)
        start_epoch, source = 0, 'initialised like d2l (init_cnn), seed %d' % cfg['seed']
        weights = args.weights or (None if args.fresh or not EXPORTED_WEIGHTS else str(HERE / EXPORTED_WEIGHTS))
        out_dir = Path(args.resume or args.out or HERE / 'runs' / time.strftime('torch-%Y%m%d-%H%M%S'))
        optimizer = make_optimizer(model.parameters(), cfg)
        scheduler = make_schedule(optimizer, cfg)
        if args.resume:
            state = torch.load(out_dir / 'checkpoint.pt', map_location=device)
            model.load_state_dict(state['model'])
            optimizer.load_state_dict(state['optimizer'])
            scheduler.load_state_dict(state['scheduler'])
            start_epoch, source = state['epoch'], f'{out_dir / "checkpoint.pt"} (epoch {state["epoch"]})'
        elif weights:
            if not os.path.isfile(weights):
                raise UsageError(f'{weights}: no such weights file.')
            metadata = load_weights(model, weights)
            start_epoch = int(metadata.get('epochs_done', 0))
            source = f'{weights} ({metadata.get("describe", "epoch %d" % start_epoch)})'
            # The learning-rate schedule stands where the weights left it.
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                for _ in range(min(start_epoch, cfg['epochs'])):
                    scheduler.step()
        if args.sync_bn and world > 1:
            if device.type == 'cuda':
                model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
            elif rank == 0:
                print('--sync-bn: PyTorch runs SyncBatchNorm on CUDA only; each process keeps its own batch statistics.', flush=True)
        if world > 1:
            model = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == 'cuda' else None)
        if rank == 0:
            out_dir.mkdir(parents=True, exist_ok=True)

        train_set = Samples(train_split, train_idx)
        sampler = EpochSampler(train_set, world, rank, cfg['seed'], args.order)
        train_loader = DataLoader(train_set, batch_size=batch // world, sampler=sampler, num_workers=args.workers, pin_memory=device.type == 'cuda')
        val_set = Samples(test_split, list(range(rank, val_n, world)))
        val_loader = DataLoader(val_set, batch_size=1000 if cfg['image_size'] <= IMAGE_SIDE else batch, num_workers=args.workers)

        trainer = Trainer(cfg['epochs'], device, rank, world, out_dir, cfg['image_size'])
        where = f'{device}' + (f' × {world} processes ({dist.get_backend()})' if world > 1 else '')
        trainer.log(f'training on {where}; {n} training / {val_n} validation samples, {math.ceil(n / batch)} batches per epoch of {batch}')
        trainer.log(f'weights: {source}; checkpoints and metrics in {out_dir}')
        if start_epoch >= cfg['epochs']:
            trainer.log(f'nothing to do: the weights have trained {start_epoch} of {cfg["epochs"]} epochs (pass --epochs N for more).')
        trainer.fit(model, train_loader, val_loader, optimizer, scheduler, start_epoch, cfg)
        if world > 1:
            leave_group()
        return 0
    except UsageError as e:
        if rank == 0:
            print(f'train.py: {e}', file=sys.stderr)
        return 2
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


if __name__ == '__main__':
    sys.exit(main())
`;
}
