/**
 * Entry of out/main/train-process.cjs, the training process the desktop app forks: the parentPort
 * shim first (ES modules evaluate in import order), then the very training entry the CLI uses.
 */

import './utility-parent-port';
import '../engine/train-process';
