"""PyTorch side of `npm run bench`: trains the SAME graph the TypeScript side compiles, on the
same Fashion-MNIST images, batch size and optimiser (plain SGD), with the given number of threads,
and prints training throughput (the median of several timed windows) and the process's peak RSS
as one JSON line.

  /usr/bin/python3 main/bench/torch_bench.py SPEC.json

SPEC.json (written by main/bench/bench.ts from the shared shape engine): {"network", "batch",
"warmup", "windows", "window_steps", "threads", "lr", "size", "data_dir", "nodes": [{"id", "type",
"params" (resolved), "inputs", "in_shape" (NCHW of the first input)}]} in topological order. Needs
python3-torch with libopenblas0-pthread (Debian).
"""
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

# Denormal floats made PyTorch's sigmoid LeNet steps several times slower for their first ~70
# steps here; flushing them is PyTorch at its fastest, the fair reference.
torch.set_flush_denormal(True)


class Residual(nn.Module):
    """d2l 8.6's Residual block, exactly as main/engine/compile.ts compiles it."""

    def __init__(self, in_ch, num_channels, use_1x1conv, strides):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, num_channels, 3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, 3, padding=1)
        self.conv3 = nn.Conv2d(in_ch, num_channels, 1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.conv3 is not None:
            x = self.conv3(x)
        return F.relu(y + x)


def padded(pad, module, value=0.0):
    t, b, l, r = pad
    if t == b and l == r:
        return None
    return nn.Sequential(nn.ConstantPad2d((l, r, t, b), value), module)


def build(node):
    p, t, shp = node['params'], node['type'], node.get('in_shape')
    if t == 'Conv2d':
        t_, b_, l_, r_ = p['padding']
        sym = t_ == b_ and l_ == r_
        conv = nn.Conv2d(shp[1], p['out_channels'], tuple(p['kernel']), stride=tuple(p['stride']),
                         padding=(t_, l_) if sym else 0, dilation=tuple(p['dilation']), bias=p['bias'])
        return conv if sym else padded(p['padding'], conv)
    if t in ('MaxPool2d', 'AvgPool2d'):
        t_, b_, l_, r_ = p['padding']
        sym = t_ == b_ and l_ == r_ and t_ <= p['kernel'][0] // 2 and l_ <= p['kernel'][1] // 2
        cls = nn.MaxPool2d if t == 'MaxPool2d' else nn.AvgPool2d
        pool = cls(tuple(p['kernel']), tuple(p['stride']), padding=(t_, l_) if sym else 0)
        return pool if sym else padded(p['padding'], cls(tuple(p['kernel']), tuple(p['stride'])),
                                       float('-inf') if t == 'MaxPool2d' else 0.0)
    if t == 'AdaptiveAvgPool2d':
        return nn.AdaptiveAvgPool2d(tuple(p['output_size']))
    if t == 'BatchNorm2d':
        return nn.BatchNorm2d(shp[1], eps=p['eps'], momentum=p['momentum'])
    if t == 'BatchNorm1d':
        return nn.BatchNorm1d(shp[1], eps=p['eps'], momentum=p['momentum'])
    if t == 'Linear':
        return nn.Linear(shp[1], p['out_features'], bias=p['bias'])
    if t == 'Dropout':
        return nn.Dropout(p['p'])
    if t == 'Residual':
        return Residual(shp[1], p['num_channels'], p['use_1x1conv'], p['strides'])
    if t == 'ReLU':
        return nn.ReLU()
    if t == 'Sigmoid':
        return nn.Sigmoid()
    if t == 'Tanh':
        return nn.Tanh()
    if t == 'Flatten':
        return nn.Flatten()
    return None  # Input, Add, Concat: handled in forward


class GraphNet(nn.Module):
    def __init__(self, nodes):
        super().__init__()
        self.nodes = nodes
        self.mods = nn.ModuleDict()
        for n in nodes:
            m = build(n)
            if m is not None:
                self.mods[n['id'].replace('.', '_')] = m
        for m in self.modules():  # d2l's init_cnn, as compile.ts does
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        vals = {}
        for n in self.nodes:
            ins = [vals[i] for i in n['inputs']]
            t = n['type']
            if t == 'Input':
                vals[n['id']] = x
            elif t == 'Add':
                vals[n['id']] = sum(ins[1:], ins[0])
            elif t == 'Concat':
                vals[n['id']] = torch.cat(ins, 1)
            else:
                vals[n['id']] = self.mods[n['id'].replace('.', '_')](ins[0])
        return vals[self.nodes[-1]['id']]


def load_images(data_dir, count, size):
    x = np.frombuffer(gzip.open(os.path.join(data_dir, 'train-images-idx3-ubyte.gz')).read(), np.uint8, offset=16)
    y = np.frombuffer(gzip.open(os.path.join(data_dir, 'train-labels-idx1-ubyte.gz')).read(), np.uint8, offset=8)
    x = torch.from_numpy(x[: count * 784].reshape(-1, 1, 28, 28).astype(np.float32) / 255)
    y = torch.from_numpy(y[:count].astype(np.int64))
    if size != 28:
        x = F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False)
    return x, y


def main():
    spec = json.load(open(sys.argv[1]))
    # 'cuda' when the benchmark compares GPU backends: the figure a student's GPU gives PyTorch.
    device = spec.get('device', 'cpu')
    if device == 'cuda' and not torch.cuda.is_available():
        print(json.dumps({'error': 'torch has no CUDA device here'}))
        sys.exit(1)
    torch.set_num_threads(spec.get('threads', 1))
    torch.manual_seed(0)
    net = GraphNet(spec['nodes']).to(device)
    net.train()
    bs, warmup, windows, per = spec['batch'], spec['warmup'], spec['windows'], spec['window_steps']
    total = warmup + windows * per
    # Big images: a few distinct batches reused (as the TypeScript side does), not hundreds of MB of them.
    distinct = min(total, 8 if spec['size'] > 28 else total)
    x, y = load_images(spec['data_dir'], bs * distinct, spec['size'])
    x, y = x.to(device), y.to(device)
    lossf = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=spec['lr'])

    def step(i):
        k = i % distinct
        xb, yb = x[k * bs:(k + 1) * bs], y[k * bs:(k + 1) * bs]
        loss = lossf(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(warmup):
        step(i)
    rates = []
    cpu0 = time.process_time()
    for w in range(windows):
        t0 = time.perf_counter()
        for i in range(per):
            step(warmup + w * per + i)
        rates.append(bs * per / (time.perf_counter() - t0))
    cpu = time.process_time() - cpu0
    rate = sorted(rates)[len(rates) // 2]
    print(json.dumps({
        'network': spec['network'], 'backend': 'pytorch', 'torch': torch.__version__, 'threads': torch.get_num_threads(),
        'device': torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu',
        'params': sum(p.numel() for p in net.parameters() if p.requires_grad),
        'windows': windows, 'window_steps': per, 'samples_per_s': rate, 'median_step_ms': bs * 1000 / rate,
        'window_samples_per_s': rates, 'cpu_ms_per_step': cpu * 1000 / (windows * per),
        'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == '__main__':
    main()
