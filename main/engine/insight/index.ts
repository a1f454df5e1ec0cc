/**
 * Insight's engine operations (issue 12), under the "insight." prefix. The parent (node-api.ts)
 * has checked each request and put the run's folder in place of its id; each operation checks
 * the request's shape again, since the channel is a boundary too.
 */

import { fail, type Result } from '../../../shared/api';
import type { OperationRegistry } from '../service/registry';

export const INSIGHT_OPERATIONS = [
  'insight.epochs', 'insight.evaluate', 'insight.images', 'insight.activations', 'insight.gradCam', 'insight.filters', 'insight.histograms',
] as const;
export type InsightOperation = (typeof INSIGHT_OPERATIONS)[number];

const notYet = (op: string) => (): Result<never> => fail('not-implemented', `${op} is not implemented yet in this build.`);

export function registerInsightOperations(registry: OperationRegistry): void {
  for (const op of INSIGHT_OPERATIONS) registry.register(op, notYet(op));
}
