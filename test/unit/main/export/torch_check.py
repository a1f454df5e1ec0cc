"""Runs exported folders as a user would (model.py, train.py's data loader) and prints one JSON
object for test/unit/main/export/*.test.ts, which compare it with ConvStudio's own numbers.

    /usr/bin/python3 torch_check.py logits N FOLDER   first N test images through FOLDER's model
    /usr/bin/python3 torch_check.py params FOLDER...  parameters, state_dict and summary of each
"""
import contextlib
import importlib.util
import io
import json
import os
import sys

import torch

torch.set_num_threads(1)


def load(folder, name):
    """FOLDER/name.py as a module; its own `from model import ...` finds FOLDER/model.py."""
    sys.path.insert(0, folder)
    try:
        for stale in ('model', 'train'):
            sys.modules.pop(stale, None)
        spec = importlib.util.spec_from_file_location(name, os.path.join(folder, name + '.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
        return module
    finally:
        sys.path.remove(folder)


def describe(folder, model_module, net):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        net.layer_summary()
    return {
        'folder': folder,
        'class': type(net).__name__,
        'params': sum(p.numel() for p in net.parameters()),
        'state': {k: list(v.shape) for k, v in net.state_dict().items()},
        'summary': out.getvalue().rstrip('\n'),
    }


def main():
    mode = sys.argv[1]
    if mode == 'logits':
        n, folder = int(sys.argv[2]), os.path.abspath(sys.argv[3])
        model = load(folder, 'model')
        train = load(folder, 'train')
        net = model.build_model()
        metadata = model.load_weights(net, os.path.join(folder, model.WEIGHTS))
        _, (images, labels) = train.load_fashion_mnist()
        trainer = train.Trainer(1, torch.device('cpu'), 0, 1, None, model.INPUT_SHAPE[2])
        X, _ = trainer.prepare_batch((images[:n], labels[:n]))
        net.eval()
        with torch.no_grad():
            logits = net(X)
        result = describe(folder, model, net)
        result['logits'] = logits.flatten().tolist()
        result['metadata'] = metadata
        result['steps'] = {k: int(v) for k, v in net.state_dict().items() if k.endswith('num_batches_tracked')}
        print(json.dumps(result))
    elif mode == 'params':
        rows = []
        for i, folder in enumerate(sys.argv[2:]):
            model = load(os.path.abspath(folder), 'model')
            rows.append(describe(folder, model, model.build_model()))
        print(json.dumps(rows))
    else:
        sys.exit(f'unknown mode {mode}')


if __name__ == '__main__':
    main()
