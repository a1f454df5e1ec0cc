/** `convstudio bench`: the same benchmark as `npm run bench` (bench/bench.ts). */
import { benchMain } from '../bench/bench';

export async function run(argv: string[]): Promise<number> {
  return benchMain(argv);
}
