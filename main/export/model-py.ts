/**
 * model.py: the network as d2l writes it. A chain is `self.net = nn.Sequential(...)` with the
 * node ids as layer names; a branching graph gets one attribute per node and a forward that reads
 * like the graph. Blocks are classes (block-classes.ts). Every layer is concrete, with its
 * in-channels written in, so DistributedDataParallel can wrap a fresh model (it refuses
 * uninitialised Lazy modules). The file also carries d2l's layer_summary, build_model(),
 * load_weights() and a small safetensors reader, so using it needs only torch.
 */

import { formatCount } from '../../shared/format';
import { BlockClasses } from './block-classes';
import { classCode } from './block-classes';
import { isChain, type ExportPlan, type PlanScope } from './plan';
import { className, docText, indent, pyData, pyString } from './python';
import { ctorText, forwardLines, initLines } from './scope';
import { pathKey } from './weights';

export const WEIGHTS_FILE = 'weights.safetensors';

export interface ModelSource {
  /** model.py's text. */
  code: string;
  /** The model's class name. */
  className: string;
  /** state_dict key prefix of each layer, by its plan path (pathKey): "net.conv1". */
  modulePath: Map<string, string>;
}

export interface ModelOptions {
  /** "ConvStudio 0.1.0". */
  producer: string;
  /** Where the network came from: "template lenet", "run 2026…-lenet-1a2b3c". */
  source: string;
  /** What weights.safetensors holds, when the export has one. */
  weights: string | null;
}

const HELPERS = {
  Add: `class Add(nn.Module):
    """ConvStudio's Add: the element-wise sum of its inputs (equal shapes, no broadcasting)."""

    def forward(self, *xs):
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        return y`,
  Concat: `class Concat(nn.Module):
    """ConvStudio's Concat: its inputs joined along the channels (torch.cat(xs, dim=1))."""

    def forward(self, *xs):
        return torch.cat(xs, dim=1)`,
};

const RUNTIME = `def _device(model):
    return next(model.parameters(), torch.empty(0)).device


@contextlib.contextmanager
def _eval_mode(model):
    was = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was)`;

const INIT_AND_LOAD = `def init_cnn(module):
    """d2l's init_cnn, as ConvStudio initialises: Xavier-uniform weights, zero biases."""
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


_SAFETENSORS_DTYPES = {
    'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool,
}


def read_safetensors(path):
    """A safetensors file as (tensors by name, metadata). Uses the safetensors package when it is
    installed; otherwise reads the format itself (an 8-byte header length, a JSON header, raw
    little-endian data), so nothing beyond torch is needed."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f'{path} is not a safetensors file (only {len(data)} bytes)')
    (n,) = struct.unpack('<Q', data[:8])
    if n > len(data) - 8:
        raise ValueError(f'{path} is not a safetensors file (its header would be {n} bytes)')
    header = json.loads(data[8:8 + n])
    metadata = header.pop('__metadata__', {}) or {}
    try:
        from safetensors.torch import load as load_bytes  # optional
        return load_bytes(data), metadata
    except ImportError:
        pass
    if sys.byteorder != 'little':
        raise RuntimeError('reading safetensors without the safetensors package needs a little-endian machine')
    tensors = {}
    for name, info in header.items():
        start, end = info['data_offsets']
        dtype = _SAFETENSORS_DTYPES[info['dtype']]
        raw = bytearray(data[8 + n + start:8 + n + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info['shape'])
    return tensors, metadata


def load_weights(model, path=WEIGHTS, strict=True):
    """Loads a state_dict into \`model\` (or the model inside a DDP wrapper): a safetensors file as
    ConvStudio writes it, or a .pt file from torch.save (a state_dict, or a train.py checkpoint).
    Returns the file's metadata (for ConvStudio's files: the run, the epoch, the step count)."""
    target = model.module if hasattr(model, 'module') else model
    if str(path).endswith(('.pt', '.pth')):
        state = torch.load(path, map_location='cpu')
        metadata = {k: v for k, v in state.items() if k != 'model'} if 'model' in state else {}
        state = state.get('model', state)
    else:
        state, metadata = read_safetensors(path)
    target.load_state_dict(state, strict=strict)
    return metadata`;

/** The model's class: its docstring, __init__, forward and layer_summary. */
function modelClass(name: string, doc: string, plan: ExportPlan, classes: BlockClasses, chain: boolean): { code: string; modulePath: Map<string, string> } {
  const scope = classes.literalScope(plan.top);
  const modulePath = new Map<string, string>();
  const walk = (s: PlanScope, prefix: string, attrs: Map<string, string>): void => {
    for (const n of s.nodes) {
      if (n.type === 'Input') continue;
      const at = `${prefix}${attrs.get(n.id)}`;
      if (n.inner) walk(n.inner, `${at}.`, classes.innerAttrs(n));
      else modulePath.set(pathKey(n.path), at);
    }
  };
  walk(plan.top, chain ? 'net.' : '', new Map(scope.nodes.map((n) => [n.id, n.attr])));

  let body: string[];
  let summary: string[];
  if (chain) {
    body = [
      'self.net = nn.Sequential(OrderedDict([',
      ...scope.nodes.map((n) => `    (${pyString(n.attr)}, ${ctorText(n)}),`),
      ']))',
    ];
    summary = [
      'X = torch.randn(*X_shape, device=_device(self))',
      'with _eval_mode(self), torch.no_grad():',
      '    for layer in self.net:',
      '        X = layer(X)',
      "        print(layer.__class__.__name__, 'output shape:\\t', X.shape)",
    ];
  } else {
    body = initLines(scope);
    summary = [
      '# The layers run in topological order, so printing each as it finishes is d2l\'s table.',
      "show = lambda layer, _inputs, Y: print(layer.__class__.__name__, 'output shape:\\t', Y.shape)",
      'hooks = [layer.register_forward_hook(show) for layer in self.children()]',
      'try:',
      '    with _eval_mode(self), torch.no_grad():',
      '        self(torch.randn(*X_shape, device=_device(self)))',
      'finally:',
      '    for h in hooks:',
      '        h.remove()',
    ];
  }
  const forward = chain ? ['return self.net(x)'] : forwardLines(scope);
  const code = [
    classCode(name, doc, '', body, forward),
    '',
    '    def layer_summary(self, X_shape=INPUT_SHAPE):',
    indent(`"""d2l's layer_summary: each layer's class and output shape, in order (in eval mode)."""\n${summary.join('\n')}`, 8),
  ].join('\n');
  return { code, modulePath };
}

/**
 * What ConvStudio keeps of a layer beyond its type: fixed starting weights (the Kernel lab's "use
 * this kernel", GraphNode.init) and frozen Conv2d layers, left out of training. Without these a
 * lab kernel would start at Xavier's weights in build_model() and train.py would train it.
 */
function fixedLayers(plan: ExportPlan, modulePath: Map<string, string>): string | null {
  const weights: Record<string, { weight: number[]; bias?: number[] }> = {};
  const frozen: string[] = [];
  for (const l of plan.layers) {
    const at = modulePath.get(pathKey(l.path));
    if (at === undefined) continue;
    // Spelt out: a document that did not come through parse.ts may say bias: undefined (None in Python).
    if (l.init) weights[at] = { weight: l.init.weight, ...(l.init.bias ? { bias: l.init.bias } : {}) };
    if (l.params.type === 'Conv2d' && l.params.frozen) frozen.push(at);
  }
  if (!Object.keys(weights).length && !frozen.length) return null;
  return `#: Layers whose weights start at set values (the Kernel lab's "use this kernel"), by module
#: path: PyTorch's tensors flattened in their own order; a missing bias starts at zeros.
FIXED_WEIGHTS = ${pyData(weights)}
#: Layers ConvStudio keeps fixed in training (frozen): their parameters need no gradient.
FROZEN = ${pyData(frozen)}


def set_fixed_layers(model):
    """FIXED_WEIGHTS copied in; FROZEN layers' parameters kept out of training."""
    with torch.no_grad():
        for path, values in FIXED_WEIGHTS.items():
            layer = model.get_submodule(path)
            layer.weight.copy_(torch.tensor(values['weight'], dtype=layer.weight.dtype).reshape(layer.weight.shape))
            if layer.bias is not None:
                if 'bias' in values:
                    layer.bias.copy_(torch.tensor(values['bias'], dtype=layer.bias.dtype))
                else:
                    layer.bias.zero_()
    for path in FROZEN:
        model.get_submodule(path).requires_grad_(False)`;
}

export function modelPy(plan: ExportPlan, opts: ModelOptions): ModelSource {
  const helpersUsed = (Object.keys(HELPERS) as (keyof typeof HELPERS)[]).filter((h) => plan.layers.some((l) => l.type === h));
  let name = className(plan.doc.name);
  const blockTypes = new Set<string>();
  const collect = (s: PlanScope): void => s.nodes.forEach((n) => { if (n.inner) { blockTypes.add(n.type); collect(n.inner); } });
  collect(plan.top);
  if ((HELPERS as Record<string, string>)[name] || blockTypes.has(name)) name = `${name}Net`;
  const classes = new BlockClasses(plan, [name, 'Add', 'Concat', 'OrderedDict', 'Trainer']);
  const chain = isChain(plan.top);
  const [, c, h, w] = plan.inputShape;
  const out = plan.analysis.nodes[plan.top.output].shape as number[];
  const doc = docText(`${plan.doc.name || 'Untitled'} (${opts.source}), ${chain ? 'a chain of layers' : 'a graph with branches'}: input ${c}×${h}×${w}, output ${out.slice(1).join('×')}, ${formatCount(plan.params)} parameters.`);
  const model = modelClass(name, doc, plan, classes, chain);
  const fixed = fixedLayers(plan, model.modulePath);

  const header = `"""${docText(plan.doc.name || 'Untitled')}, exported by ${opts.producer} from ${docText(opts.source)}.

${opts.weights ? `${WEIGHTS_FILE} holds ${docText(opts.weights)}.` : `No weights were exported: build_model() initialises the network as ConvStudio does.`}

    from model import build_model, load_weights
    model = build_model()${opts.weights ? `\n    load_weights(model, '${WEIGHTS_FILE}')` : ''}
    model.layer_summary()    # d2l's table of output shapes

\`python model.py\` prints that table.
"""
import contextlib
import json
import struct
import sys
from collections import OrderedDict

import torch
from torch import nn

#: The input of one image, NCHW: what layer_summary() feeds and ConvStudio's summary shows.
INPUT_SHAPE = (1, ${c}, ${h}, ${w})
WEIGHTS = ${pyString(WEIGHTS_FILE)}
`;

  const code = `${[
    header.trimEnd(),
    ...helpersUsed.map((k) => HELPERS[k]),
    ...classes.classes.map((cl) => cl.code),
    RUNTIME,
    model.code,
    INIT_AND_LOAD,
    ...(fixed ? [fixed] : []),
    `def build_model():
    """A fresh ${name}, initialised like ConvStudio's (and d2l's) networks."""
    model = ${name}()
    model.apply(init_cnn)${fixed ? '\n    set_fixed_layers(model)' : ''}
    return model`,
    `if __name__ == '__main__':
    build_model().layer_summary()`,
  ].join('\n\n\n')}\n`;
  return { code, className: name, modulePath: model.modulePath };
}
