/**
 * `convstudio` command: one sub-command per file in main/cli/, loaded on demand so that
 * `summary` never pays for loading tfjs.
 *
 * Exit codes, the same for every command (README.md): 0 done; 1 failed (a training that
 * diverged or crashed, missing data, a full disk, a bug); 2 usage or invalid input (a bad option,
 * a file that is not a graph, a graph with errors or that cannot train, an --out that cannot be
 * used); 130 stopped by Ctrl-C.
 */

import { guardTerminal } from './output';

const COMMANDS: Record<string, { about: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  summary: { about: 'layer table, parameters and MACs of a template or graph file', load: () => import('./summary') },
  train: { about: 'train a template or graph file on Fashion-MNIST', load: () => import('./train') },
  eval: { about: "a run's confusion matrix and per-class accuracy on its validation images", load: () => import('./eval') },
  predict: { about: "a run's top-5 classes for your own PNG or JPEG images", load: () => import('./predict') },
  export: { about: 'a template, graph or run as a graph file, a PyTorch folder or ONNX', load: () => import('./export') },
  doctor: { about: 'which backends are installed and which GPU each would use, or why not', load: () => import('./doctor') },
  bench: { about: 'training-step throughput per backend, next to PyTorch', load: () => import('./bench') },
};

export function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.about}`);
  return ['usage: convstudio <command> [options]', '', 'commands:', ...rows, '', 'convstudio <command> --help for its options'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`convstudio: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(rest);
}

guardTerminal();
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    // Every expected failure is a message of its command's; this is a bug. One line, the stack on request.
    const message = err instanceof Error ? err.message : String(err);
    const stack = process.env.CONVSTUDIO_DEBUG && err instanceof Error && err.stack ? `\n${err.stack}` : '';
    console.error(`convstudio: internal error: ${message}. This is a bug: please report it with the command that caused it (CONVSTUDIO_DEBUG=1 shows where it happened).${stack}`);
    process.exitCode = 1;
  },
);
