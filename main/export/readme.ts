/** README.md of a PyTorch export: what is in the folder and how to train it on one machine, N GPUs, N nodes and Colab. */

import { WEIGHTS_FILE } from './model-py';

export interface ReadmeOptions {
  name: string;
  source: string;
  producer: string;
  params: string;
  weights: string | null;
  /** Why train.py is missing, when it is. */
  noTrain: string | null;
  summary: string;
  /** The folder's name, which is also the zip's in browser mode. */
  folder: string;
}

export function readme(o: ReadmeOptions): string {
  const train = o.noTrain === null;
  const files = [
    '- `model.py`: the network, d2l style (`build_model()`, `load_weights(model, path)`, `model.layer_summary()`). Needs only `torch`.',
    ...(o.weights ? [`- \`${WEIGHTS_FILE}\`: ${o.weights}, in PyTorch's layout (a \`state_dict\`; \`load_weights\` reads it without the \`safetensors\` package).`] : []),
    ...(train ? ['- `train.py`: the run\'s training settings with d2l\'s Trainer; one process or many (DDP under `torchrun`).'] : []),
  ];
  const sections = [
    `# ${o.name} — exported from ConvStudio`,
    '',
    `${o.source}, exported by ${o.producer}: ${o.params} parameters.`,
    '',
    ...files,
    ...(train ? [] : ['', `There is no \`train.py\`: ${o.noTrain}`]),
    '',
    'Requirements: Python 3.9 or newer and PyTorch 1.13 or newer (`pip install torch`; `torchvision` too if Fashion-MNIST should be downloaded).',
    '',
    '## The network',
    '',
    '```',
    o.summary,
    '```',
    '',
    '`python model.py` prints the same table (d2l\'s `layer_summary`). From other code:',
    '',
    '```python',
    'from model import build_model, load_weights',
    'model = build_model()',
    ...(o.weights ? [`load_weights(model, '${WEIGHTS_FILE}')`] : []),
    'model.eval()',
    'logits = model(images)   # images: N×C×H×W float32 in [0, 1], as ConvStudio feeds them',
    '```',
  ];
  if (!train) return `${sections.join('\n')}\n`;
  sections.push(
    '',
    '## Training',
    '',
    'The settings are at the top of `train.py` (`CONFIG`); every one is also a flag (`python train.py --help`).',
    o.weights
      ? `By default training starts from \`${WEIGHTS_FILE}\` and continues the run's epochs from where the weights stood; \`--fresh\` starts again from freshly initialised weights.`
      : 'Training starts from freshly initialised weights (Xavier, as ConvStudio and d2l\'s `init_cnn`), seeded by `--seed`.',
    'Each epoch, rank 0 prints the losses and accuracies and writes `checkpoint.pt` (weights, optimizer, epoch) and `metrics.jsonl` to `--out` (default `runs/torch-<time>`); `--resume DIR` continues from there.',
    '',
    'Fashion-MNIST is read where ConvStudio looks: `--data DIR` if given (only there), otherwise the run\'s data folder, `$CONVSTUDIO_DATA`, ConvStudio\'s download folder (`~/.local/share/convstudio/fashion-mnist` on Linux), `/usr/share/datasets/fashion-mnist` (Debian\'s `dataset-fashion-mnist`) and `./data/FashionMNIST/raw`; if none has the four files and torchvision is installed, torchvision downloads them to `./data`.',
    '',
    '### One machine, one device',
    '',
    '```sh',
    'python train.py                 # CUDA if there is a GPU, else Apple MPS, else the CPU',
    'python train.py --device cpu --epochs 20 --lr 0.05',
    '```',
    '',
    '### One machine, N GPUs',
    '',
    '```sh',
    'torchrun --standalone --nproc_per_node=gpu train.py     # one process per GPU',
    'torchrun --standalone --nproc_per_node=4 train.py',
    '```',
    '',
    'Each process joins the group (`init_process_group`, NCCL on GPUs, gloo on CPUs), takes its share of every epoch (`DistributedSampler` with `set_epoch`) and DistributedDataParallel averages the gradients. `--batch-size` is the global batch, split over the processes, so N processes take the same steps as one; the learning rate needs no scaling. Validation runs on every process and the sums are all-reduced, so the numbers are those of the whole validation set. BatchNorm keeps per-process batch statistics unless `--sync-bn` (CUDA only). On CPUs, `torchrun --standalone --nproc_per_node=2 train.py` runs the same code with gloo. When every process is on one machine they meet on the loopback interface (127.0.0.1, and `GLOO_SOCKET_IFNAME` unless you set it), so a host name that resolves to an unreachable address cannot stall the start.',
    '',
    '### Several machines',
    '',
    'Run the same command on every machine, with its own `--node_rank`, and the address of node 0 (any free port):',
    '',
    '```sh',
    '# on node 0 of 2:',
    'torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --master_addr=10.0.0.1 --master_port=29500 train.py',
    '# on node 1:',
    'torchrun --nnodes=2 --node_rank=1 --nproc_per_node=8 --master_addr=10.0.0.1 --master_port=29500 train.py',
    '```',
    '',
    'or with a rendezvous (`--rdzv_backend=c10d --rdzv_endpoint=HOST:29400 --rdzv_id=JOB`) so nodes may join in any order; on SLURM, `srun torchrun ...` with the same flags. Every node needs this folder and the data (or torchvision to download it); only rank 0 writes checkpoints, so point `--out` at a shared disk or at node 0\'s.',
    '',
    '### Colab',
    '',
    'In a GPU runtime, upload the zip (ConvStudio\'s browser mode downloads it; elsewhere `zip -r ' + o.folder + '.zip ' + o.folder + '`):',
    '',
    '```python',
    'from google.colab import files',
    'files.upload()                                  # ' + o.folder + '.zip',
    '!unzip -q ' + o.folder + '.zip',
    '%cd ' + o.folder,
    '!python train.py                                # torchvision downloads Fashion-MNIST to ./data',
    '```',
    '',
    '### Agreement with ConvStudio',
    '',
    'The layers, shapes and weight layout are ConvStudio\'s own (kernels converted from tfjs\'s HWIO to PyTorch\'s OIHW, dense weights transposed; Flatten is channel-major in both). With `--order convstudio` (the default) the training subset and each epoch\'s sample order are ConvStudio\'s, so starting from the same weights `python train.py` takes the same batches as the app\'s run: the losses agree up to float32 rounding, which grows slowly over the steps. `--order torch` uses DistributedSampler\'s shuffle instead.',
  );
  return `${sections.join('\n')}\n`;
}
