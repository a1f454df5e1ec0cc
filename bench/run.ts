/** `npm run bench` entry; see bench/bench.ts. */
import { benchMain } from './bench';

benchMain(process.argv.slice(2)).then((code) => { process.exitCode = code; });
