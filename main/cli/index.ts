/**
 * `convstudio` command: one sub-command per file in main/cli/, loaded on demand so that
 * `summary` never pays for loading tfjs.
 * Exit codes: 0 done; 1 failed (training, data); 2 usage or bad input; 130 stopped.
 */

const COMMANDS: Record<string, { about: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  summary: { about: 'layer table, parameters and MACs of a template or graph file', load: () => import('./summary') },
  train: { about: 'train a template or graph file on Fashion-MNIST', load: () => import('./train') },
  export: { about: 'write a template as a convstudio.graph file', load: () => import('./export') },
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

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    console.error(`convstudio: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
