/** Every feature's operations, registered once when the service process starts. */

import { registerInsightOperations } from '../insight/index';
import { probe } from '../estimate/probe';
import { registerLabOperations } from './lab/index';
import type { OperationRegistry } from './registry';

export function registerOperations(registry: OperationRegistry): void {
  registerLabOperations(registry);
  registerInsightOperations(registry);
  registry.register('estimate.probe', probe);
}
