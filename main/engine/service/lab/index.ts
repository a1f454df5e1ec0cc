/** The Kernel lab's engine operations (issue 16), under the "lab." prefix. */

import type { OperationRegistry } from '../registry';
import { conv1x1, correlate } from './correlate';
import { fashionImage } from './fashion-image';
import { learn } from './learn';
import { pool } from './pool';

export const LAB_OPERATIONS = ['lab.correlate', 'lab.conv1x1', 'lab.pool', 'lab.learn', 'lab.fashionImage'] as const;
export type LabOperation = (typeof LAB_OPERATIONS)[number];

export function registerLabOperations(registry: OperationRegistry): void {
  registry.register('lab.correlate', correlate);
  registry.register('lab.conv1x1', conv1x1);
  registry.register('lab.pool', pool);
  registry.register('lab.learn', learn);
  registry.register('lab.fashionImage', fashionImage);
}
