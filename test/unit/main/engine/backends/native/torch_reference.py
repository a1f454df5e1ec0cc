"""PyTorch reference for the compiled training step's numerics tests.

  /usr/bin/python3 torch_reference.py CASES.json OUT.json

CASES.json: a list of {"name", "nodes": [{"id", "path" (from the top, for a block's inner layer), "type", "params" (resolved, as shared/graph/resolve
gives them), "raw" (the node's params as written), "inputs", "in_shape" (NCHW of each input)}] in
topological order, "weights": {tfjs name: {"shape", "values"}} (tfjs layouts: HWIO filters,
[in, out] dense kernels), "optimizer": {"kind", ...}, "steps": [{"x" (NCHW, flat), "labels", "lr",
"masks": {dropout node id: flat mask with the 1/(1-p) scale}}]}.

Builds the graph with torch.nn exactly as d2l writes it — independently of ConvStudio's lowering,
naming each module the way main/engine/compile.ts names its tfjs layer — runs the steps in float64
(the reference both float32 implementations are measured against) and writes {"name", "losses",
"file", "weights": {tfjs name: [byte offset, count] of its float64 values in tfjs layout in that file}}
per case.
"""
import base64
import json
import re
import sys

import numpy as np

import torch
from torch import nn
from torch.nn import functional as F

torch.set_num_threads(1)
DTYPE = torch.float64


class Namer:
    """compile.ts's Builder.name: sanitised node id, optional suffix, de-duplicated in build order."""

    def __init__(self):
        self.used = set()

    def name(self, node_id, suffix=None):
        base = re.sub(r'[^A-Za-z0-9_.-]', '_', node_id) + (f'_{suffix}' if suffix else '')
        name = base if re.match(r'^[A-Za-z]', base) else f'n{base}'
        i = 1
        while name in self.used:
            name = f'{base}_{i}'
            i += 1
        self.used.add(name)
        return name


class Conv(nn.Module):
    """Conv2d with PyTorch's (possibly asymmetric) padding: F.pad, then an unpadded convolution."""

    def __init__(self, cin, p, groups=1):
        super().__init__()
        self.pad = p['padding']  # [top, bottom, left, right]
        self.conv = nn.Conv2d(cin, p['out_channels'], tuple(p['kernel']), stride=tuple(p['stride']), padding=0,
                              dilation=tuple(p['dilation']), bias=p['bias'], groups=groups)

    def forward(self, x):
        t, b, l, r = self.pad
        if t or b or l or r:
            x = F.pad(x, (l, r, t, b))
        return self.conv(x)


class GraphNet(nn.Module):
    def __init__(self, nodes):
        super().__init__()
        self.nodes = nodes
        self.mods = nn.ModuleDict()
        self.names = {}  # torch parameter/buffer name -> tfjs weight name
        self.masks = {}
        namer = Namer()

        def nm(n, suffix=None):
            # Inside a block compile.ts names a layer after the top node and the rest of its path.
            path = n.get('path') or [n['id']]
            if len(path) == 1:
                return namer.name(n['id'], suffix)
            return namer.name(path[0], '_'.join(path[1:]) + (suffix or ''))

        for n in nodes:
            t, p, key = n['type'], n['params'], self.key(n['id'])
            path = f'mods.{key}'  # as state_dict() names it
            cin = n['in_shape'][0][1] if n['in_shape'] else None
            if t == 'Input':
                nm(n)
            elif t == 'Conv2d':
                if any(p['padding']):
                    nm(n, 'pad')
                layer = nm(n)
                self.mods[key] = Conv(cin, p, int(n['raw'].get('groups', 1)))
                self.bind(path + '.conv', layer, conv=True, bias=p['bias'])
            elif t == 'Linear':
                layer = nm(n)
                self.mods[key] = nn.Linear(cin, p['out_features'], bias=p['bias'])
                self.names[f'{path}.weight'] = f'{layer}/kernel'
                if p['bias']:
                    self.names[f'{path}.bias'] = f'{layer}/bias'
            elif t in ('MaxPool2d', 'AvgPool2d'):
                if t == 'AvgPool2d' and any(p['padding']):
                    nm(n, 'pad')
                nm(n)
                pad = (p['padding'][0], p['padding'][2])
                cls = nn.MaxPool2d if t == 'MaxPool2d' else nn.AvgPool2d
                self.mods[key] = cls(tuple(p['kernel']), tuple(p['stride']), padding=pad)
            elif t == 'AdaptiveAvgPool2d':
                nm(n)
                self.mods[key] = nn.AdaptiveAvgPool2d(tuple(p['output_size']))
            elif t in ('BatchNorm2d', 'BatchNorm1d'):
                layer = nm(n)
                cls = nn.BatchNorm2d if t == 'BatchNorm2d' else nn.BatchNorm1d
                self.mods[key] = cls(cin, eps=p['eps'], momentum=p['momentum'])
                self.bind_bn(path, layer)
            elif t in ('ReLU', 'Sigmoid', 'Tanh', 'LeakyReLU', 'Flatten', 'Dropout', 'Add', 'Concat'):
                nm(n)
            else:
                raise ValueError(f'no reference for {t}')

    @staticmethod
    def key(node_id):
        return 'n_' + re.sub(r'[^A-Za-z0-9_]', '_', node_id)

    def bind(self, prefix, layer, conv, bias):
        self.names[f'{prefix}.weight'] = f'{layer}/kernel'
        if bias:
            self.names[f'{prefix}.bias'] = f'{layer}/bias'

    def bind_bn(self, prefix, layer):
        for torch_name, tf_name in (('weight', 'gamma'), ('bias', 'beta'), ('running_mean', 'moving_mean'), ('running_var', 'moving_variance')):
            self.names[f'{prefix}.{torch_name}'] = f'{layer}/{tf_name}'

    def forward(self, x):
        vals = {}
        for n in self.nodes:
            ins = [vals[i] for i in n['inputs']]
            t = n['type']
            if t == 'Input':
                y = x
            elif t == 'Add':
                y = ins[0]
                for other in ins[1:]:
                    y = y + other
            elif t == 'Concat':
                y = torch.cat(ins, 1)
            elif t == 'ReLU':
                y = F.relu(ins[0])
            elif t == 'Sigmoid':
                y = torch.sigmoid(ins[0])
            elif t == 'Tanh':
                y = torch.tanh(ins[0])
            elif t == 'LeakyReLU':
                y = F.leaky_relu(ins[0], float(n['raw'].get('negative_slope', 0.01)))
            elif t == 'Flatten':
                y = torch.flatten(ins[0], 1)
            elif t == 'Dropout':
                # The compiled step's own mask (scaled keep-mask), so both sides drop the same units.
                m = self.masks.get(n['id'])
                y = ins[0] if m is None or not self.training else ins[0] * m.reshape(ins[0].shape)
            else:
                y = self.mods[self.key(n['id'])](ins[0])
            vals[n['id']] = y
        return vals[self.nodes[-1]['id']]


def floats(b64):
    """float32 values sent as base64 of their little-endian bytes."""
    return torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype='<f4').astype(np.float64))


def to_torch(name, shape, values):
    t = floats(values).reshape(shape)
    if len(shape) == 4:  # HWIO (or [kh, kw, ic/g, oc]) -> [oc, ic/g, kh, kw]
        return t.permute(3, 2, 0, 1).contiguous()
    if len(shape) == 2:  # [in, out] -> [out, in]
        return t.t().contiguous()
    return t


def to_tfjs(t):
    """Back in tfjs layout, as little-endian float64 bytes (the float32 results are measured against these)."""
    t = t.detach()
    if t.dim() == 4:
        t = t.permute(2, 3, 1, 0)
    elif t.dim() == 2:
        t = t.t()
    return t.contiguous().reshape(-1).numpy().astype('<f8').tobytes()


def optimizer(spec, params):
    kind = spec.get('kind', 'sgd')
    wd = spec.get('weightDecay', 0.0)
    if kind == 'sgd':
        return torch.optim.SGD(params, lr=1.0, momentum=spec.get('momentum', 0.0), dampening=spec.get('dampening', 0.0),
                               nesterov=spec.get('nesterov', False), weight_decay=wd)
    betas = (spec.get('beta1', 0.9), spec.get('beta2', 0.999))
    cls = torch.optim.Adam if kind == 'adam' else torch.optim.AdamW
    return cls(params, lr=1.0, betas=betas, eps=spec.get('eps', 1e-8), weight_decay=wd)


def run(case, out_dir, index):
    net = GraphNet(case['nodes']).to(DTYPE)
    state = net.state_dict()
    weights = case['weights']
    with torch.no_grad():
        for torch_name, tf_name in net.names.items():
            w = weights[tf_name]
            state[torch_name].copy_(to_torch(tf_name, w['shape'], w['values']))
    missing = set(weights) - set(net.names.values())
    if missing:
        raise ValueError(f'weights without a module: {sorted(missing)[:5]}')
    net.train()
    opt = optimizer(case.get('optimizer', {'kind': 'sgd'}), net.parameters())
    in_shape = case['nodes'][0]['out_shape']
    losses = []
    for step in case['steps']:
        for g in opt.param_groups:
            g['lr'] = step['lr']
        net.masks = {k: floats(v) for k, v in step.get('masks', {}).items()}
        x = floats(step['x']).reshape([len(step['labels'])] + in_shape[1:])
        y = torch.tensor(step['labels'], dtype=torch.int64)
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # The weights go to one binary file per case (VGG's as JSON text would not fit in a string).
    out = {}
    state = net.state_dict()
    path = f'{out_dir}/case{index}.f64'
    offset = 0
    with open(path, 'wb') as f:
        for torch_name, tf_name in net.names.items():
            b = to_tfjs(state[torch_name])
            f.write(b)
            out[tf_name] = [offset, len(b) // 8]
            offset += len(b)
    return {'name': case['name'], 'losses': losses, 'file': path, 'weights': out}


def main():
    cases = json.load(open(sys.argv[1]))
    out_dir = sys.argv[2].rsplit('/', 1)[0]
    results = []
    for i, case in enumerate(cases):
        try:
            results.append(run(case, out_dir, i))
        except Exception as e:  # reported per case, so one broken case does not hide the others
            results.append({'name': case['name'], 'error': f'{type(e).__name__}: {e}'})
    json.dump({'torch': torch.__version__, 'results': results}, open(sys.argv[2], 'w'))


if __name__ == '__main__':
    main()
