/**
 * Entry of out/main/engine-service.cjs, the engine service the desktop app forks as a utility
 * process: the parentPort shim first (ES modules evaluate in import order), then the very service
 * process browser mode forks with child_process.fork.
 */

import './utility-parent-port';
import '../engine/service/service-process';
